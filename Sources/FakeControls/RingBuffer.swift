/// The last `capacity` elements appended, oldest first. Appending is O(1) also when full: the oldest
/// slot is overwritten in place instead of shifting every element down.
struct RingBuffer<Element> {
    let capacity: Int
    private var storage: [Element] = []
    /// Index of the oldest element once `storage` is full.
    private var head = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a ring buffer needs room for at least one element")
        self.capacity = capacity
    }

    var count: Int { storage.count }

    mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = head + 1 == capacity ? 0 : head + 1
        }
    }

    /// Oldest first.
    var elements: [Element] {
        Array(storage[head...]) + storage[..<head]
    }

    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        head = 0
    }
}
