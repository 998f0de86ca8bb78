import BlockingWork
import Foundation
import ServiceLifecycle

/// A ServiceLifecycle service that sweeps a `DownloadStore` once at start and then every
/// `interval` until the task is cancelled or a graceful shutdown begins. Each sweep (a directory
/// listing and file deletions) runs on `BlockingWorkPool`, off the cooperative pool.
public struct DownloadSweeper: Service {
    public let store: DownloadStore
    public let interval: Duration

    public init(store: DownloadStore, interval: Duration = .seconds(60)) {
        self.store = store
        self.interval = interval
    }

    public func run() async throws {
        await sweep()
        let interval = self.interval
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return  // cancelled or shutting down
            }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            await sweep()
        }
    }

    private func sweep() async {
        let store = self.store
        _ = try? await offCooperativePool { store.sweep(now: Date()) }
    }
}
