import Synchronization

/// Fan-out of values to any number of async listeners, each with its own bounded buffer (a slow listener loses its
/// oldest values, never blocks the sender). A listener's stream ends when it is dropped.
public final class Broadcast<Element: Sendable>: Sendable {
    private let listeners = Mutex<(next: Int, continuations: [Int: AsyncStream<Element>.Continuation])>((0, [:]))

    public init() {}

    public func send(_ value: Element) {
        let continuations = listeners.withLock { $0.continuations.isEmpty ? [] : Array($0.continuations.values) }
        for continuation in continuations { continuation.yield(value) }
    }

    /// Every value sent from now on; at most `buffer` wait for a slow reader.
    public func subscribe(buffer: Int) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let id = listeners.withLock { state in
            state.next += 1
            state.continuations[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }
}
