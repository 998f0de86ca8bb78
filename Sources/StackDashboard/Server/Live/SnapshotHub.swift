import Foundation
import StackSupervisor
import Synchronization

/// One producer of snapshots for every open page. It wakes on the supervisor's change signal (a state change goes
/// out at once) and, while at least one page listens, every `resourcePeriod` for RSS, CPU and the clock. With no
/// page open it only waits on the signal: an idle stackctl does no dashboard work.
final class SnapshotHub: Sendable {
    private let source: SnapshotSource
    private let changes: ChangeSignal
    /// RSS, CPU and the fakes' clock and faults are read this often while a page is open.
    static let resourcePeriod = Duration.seconds(2)
    private let state = Mutex<(next: Int, listeners: [Int: AsyncStream<DashboardSnapshot>.Continuation], latest: DashboardSnapshot?)>((0, [:], nil))
    /// Wakes the producer when the first page arrives (it then starts ticking), or after a fakes' control changed
    /// what only a full reading shows (the clock, faults).
    private let arrivals = ChangeSignal()

    init(source: SnapshotSource, changes: ChangeSignal) {
        self.source = source
        self.changes = changes
    }

    /// The current snapshot first, then each one that differs from the one before. The first page after a quiet
    /// spell gets a fresh one: `latest` is dropped when the last page goes, since nothing kept it current.
    func subscribe() async -> AsyncStream<DashboardSnapshot> {
        let (stream, continuation) = AsyncStream<DashboardSnapshot>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let cached = state.withLock { $0.latest }
        let fresh = cached == nil ? await source.snapshot(resample: true) : nil
        let id = state.withLock { state in
            // Registered and given its first snapshot under one lock, so a publish cannot slip in between or
            // arrive before an older snapshot.
            if let fresh, state.latest == nil { state.latest = fresh }
            continuation.yield(state.latest ?? fresh!)
            state.next += 1
            state.listeners[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.listeners.removeValue(forKey: id)
                if state.listeners.isEmpty { state.latest = nil }
            }
        }
        arrivals.notify()
        return stream
    }

    /// A full reading now (the fakes' clock or faults just changed).
    func refresh() { arrivals.notify() }

    /// The latest snapshot, fresh when nobody is listening (a page load).
    func current() async -> DashboardSnapshot {
        if let latest = state.withLock({ $0.listeners.isEmpty ? nil : $0.latest }) { return latest }
        return await source.snapshot(resample: true)
    }

    /// Runs until cancelled.
    func run() async {
        let changed = changes.subscribe()
        let arrived = arrivals.subscribe()
        await withTaskGroup(of: Void.self) { group in
            let (wakes, wake) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(8))
            group.addTask { for await _ in changed { wake.yield(false) } }
            group.addTask { for await _ in arrived { wake.yield(true) } }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.resourcePeriod)
                    if self.hasListeners { wake.yield(true) }
                }
            }
            for await resample in wakes {
                guard hasListeners else { continue }
                await publish(await source.snapshot(resample: resample))
            }
            group.cancelAll()
        }
    }

    private var hasListeners: Bool { state.withLock { !$0.listeners.isEmpty } }

    private func publish(_ snapshot: DashboardSnapshot) async {
        let listeners: [AsyncStream<DashboardSnapshot>.Continuation] = state.withLock { state in
            // takenAtMs always differs: compare the rest.
            var previous = state.latest
            previous?.takenAtMs = snapshot.takenAtMs
            state.latest = snapshot
            return previous == snapshot ? [] : Array(state.listeners.values)
        }
        for listener in listeners { listener.yield(snapshot) }
    }
}
