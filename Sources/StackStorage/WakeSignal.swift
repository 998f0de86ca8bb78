/// Wakes a background writer (fake-tais's outbox deliverer, fake-openmeter's inbox merger) when
/// there is new work, so it does not wait for its next poll. Wake-ups coalesce: at most one is pending.
public final class WakeSignal: Sendable {
    public let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func wake() { continuation.yield() }

    public func finish() { continuation.finish() }
}
