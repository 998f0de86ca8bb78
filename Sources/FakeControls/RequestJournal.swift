import Foundation
import Synchronization

/// Every request a fake answered on its real API (not `/_fake/` or `/health`), so tests can
/// assert what a client did or never did, e.g. "credits-mcp made no OpenMeter call".
public final class RequestJournal: Sendable {
    public struct Entry: Codable, Sendable {
        public var method: String
        public var path: String
        public var query: String
        public var status: Int
        public var time: Date
    }

    public static let capacity = 10_000

    private let state: Mutex<(entries: RingBuffer<Entry>, total: Int)>

    /// - Parameter capacity: how many of the latest requests are kept (all are counted).
    public init(capacity: Int = RequestJournal.capacity) {
        state = Mutex((RingBuffer(capacity: max(1, capacity)), 0))
    }

    /// O(1), also when the journal is full: every request of a fake passes through here.
    func record(_ entry: Entry) {
        state.withLock { state in
            state.total += 1
            state.entries.append(entry)
        }
    }

    /// Requests since the last reset, oldest first (the last `capacity`), and the total count.
    public func snapshot() -> (entries: [Entry], total: Int) {
        state.withLock { ($0.entries.elements, $0.total) }
    }

    public func reset() {
        state.withLock { state in
            state.entries.removeAll()
            state.total = 0
        }
    }
}
