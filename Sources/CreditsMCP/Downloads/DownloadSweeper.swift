import Foundation
import ServiceLifecycle

/// A ServiceLifecycle service that sweeps a `DownloadStore` once at start and then every
/// `interval` until the task is cancelled or a graceful shutdown begins.
public struct DownloadSweeper: Service {
    public let store: DownloadStore
    public let interval: Duration

    public init(store: DownloadStore, interval: Duration = .seconds(60)) {
        self.store = store
        self.interval = interval
    }

    public func run() async throws {
        store.sweep(now: Date())
        let interval = self.interval
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return  // cancelled or shutting down
            }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            store.sweep(now: Date())
        }
    }
}
