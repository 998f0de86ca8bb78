import Synchronization

/// "Something a watcher shows has changed": process state, health, restarts, the registration. Watchers (the
/// dashboard's event streams) wake on it instead of polling; each holds at most one pending wake, so a burst of
/// changes costs one re-render.
public final class ChangeSignal: Sendable {
    private let subscribers = Mutex<(next: Int, continuations: [Int: AsyncStream<Void>.Continuation])>((0, [:]))

    public init() {}

    public func notify() {
        let continuations = subscribers.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.yield() }
    }

    /// A stream that yields after each change (coalesced); it ends when the consumer drops it.
    public func subscribe() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = subscribers.withLock { state in
            state.next += 1
            state.continuations[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    public var subscriberCount: Int { subscribers.withLock { $0.continuations.count } }
}
