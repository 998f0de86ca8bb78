import BlockingWork
import Dispatch
import Synchronization
import Testing

/// `offCooperativePool` runs blocking work on a fixed number of threads: a burst of blocked calls
/// queues instead of growing the process by a thread each (Dispatch's global queues did that).
@Suite struct BlockingWorkPoolTests {
    final class Gauge: Sendable {
        private let state = Mutex((running: 0, peak: 0))
        func enter() { state.withLock { $0.running += 1; $0.peak = max($0.peak, $0.running) } }
        func leave() { state.withLock { $0.running -= 1 } }
        var running: Int { state.withLock { $0.running } }
        var peak: Int { state.withLock { $0.peak } }
    }

    @Test(.timeLimit(.minutes(1))) func aBurstOfBlockedCallsNeverRunsOnMoreThanThePoolsThreads() async throws {
        let gauge = Gauge()
        let gate = DispatchSemaphore(value: 0)
        let jobs = 4 * BlockingWorkPool.threadCount
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<jobs {
                group.addTask {
                    try await offCooperativePool {
                        gauge.enter()
                        gate.wait()
                        gauge.leave()
                    }
                }
            }
            // Every pool thread is now blocked in a job, or soon will be.
            #expect(await Self.eventually(within: .seconds(30)) { gauge.running == BlockingWorkPool.threadCount })
            // The other jobs must queue: on unbounded threads they would start within milliseconds.
            #expect(await !Self.eventually(within: .seconds(2)) { gauge.running > BlockingWorkPool.threadCount })
            for _ in 0..<jobs { gate.signal() }
            try await group.waitForAll()
        }
        #expect(gauge.peak == BlockingWorkPool.threadCount)
        #expect(gauge.running == 0)
    }

    /// Polls `condition` until it holds or `within` passes.
    static func eventually(within: Duration, _ condition: @Sendable () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
