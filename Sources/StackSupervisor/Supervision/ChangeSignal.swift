/// "Something a watcher shows has changed": process state, health, restarts, the registration. Watchers (the
/// dashboard's event streams) wake on it instead of polling; each holds at most one pending wake, so a burst of
/// changes costs one re-render.
public final class ChangeSignal: Sendable {
    private let broadcast = Broadcast<Void>()

    public init() {}

    public func notify() { broadcast.send(()) }

    /// A stream that yields after each change (coalesced); it ends when the consumer drops it.
    public func subscribe() -> AsyncStream<Void> { broadcast.subscribe(buffer: 1) }
}
