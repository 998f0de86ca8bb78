/// Wakes the outbox deliverer when an event was queued, so delivery does not wait for its next poll.
/// Wake-ups coalesce: at most one is pending.
final class OutboxSignal: Sendable {
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func wake() { continuation.yield() }

    func finish() { continuation.finish() }
}
