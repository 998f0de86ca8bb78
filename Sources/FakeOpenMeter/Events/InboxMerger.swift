import BlockingWork
import Logging
import ServiceLifecycle

/// Moves ingested events from the inbox into `events` in the background. After an append wakes it,
/// it lets a burst build up, and merges once `mergeAt` events wait or no append came for `quiet`:
/// large merges touch each index page once for many events, so the merger keeps up with fast
/// ingestion instead of competing with it for the CPU. Reads never wait for it: they merge what is
/// left themselves. On shutdown it merges once more, so a restart finds the inbox empty.
struct InboxMerger: Service {
    let store: EventStore
    let logger: Logger
    var mergeAt: Int64 = 100_000
    var quiet: Duration = .milliseconds(50)

    func run() async throws {
        // A service that returns ends the server: without an inbox, wait for shutdown like the others.
        guard let inbox = store.inbox else { return try await gracefulShutdown() }
        let store = self.store
        await cancelWhenGracefulShutdown {
            for await _ in inbox.signal.stream {
                var waiting = inbox.backlog
                while waiting > 0, waiting < mergeAt, !Task.isCancelled {
                    try? await Task.sleep(for: quiet)
                    let now = inbox.backlog
                    if now == waiting { break }
                    waiting = now
                }
                if Task.isCancelled { break }
                await merge(store)
            }
        }
        await merge(store)
    }

    private func merge(_ store: EventStore) async {
        do {
            try await offCooperativePool { try store.mergeInbox() }
        } catch {
            // The events stay in the inbox; the next merge or read tries again.
            logger.error("merging ingested events failed: \(error)")
        }
    }
}
