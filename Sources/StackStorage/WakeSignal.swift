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

extension WakeSignal {
    /// Runs `work` after each wake-up and at least every `interval`, one run at a time, until the task is
    /// cancelled. Wake-ups that arrive during a run coalesce into one more run.
    public func runOnWake(orEvery interval: Duration, _ work: @escaping @Sendable () async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            let (ticks, tick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            group.addTask { for await _ in self.stream { tick.yield() } }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    tick.yield()
                }
            }
            group.addTask {
                for await _ in ticks {
                    if Task.isCancelled { break }
                    await work()
                }
            }
            await group.next()
            group.cancelAll()
            tick.finish()
        }
    }
}
