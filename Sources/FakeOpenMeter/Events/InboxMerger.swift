import BlockingWork
import Logging
import ServiceLifecycle

/// Moves ingested events from the inbox into `events` in the background, whenever an append wakes
/// it: while ingestion is fast the inbox grows between merges, so each merge writes many events per
/// touched index page. Reads never wait for it: they merge what is left themselves. On shutdown it
/// merges once more, so a restart finds the inbox empty.
struct InboxMerger: Service {
    let store: EventStore
    let logger: Logger

    func run() async throws {
        guard let inbox = store.inbox else { return }
        let store = self.store
        await cancelWhenGracefulShutdown {
            for await _ in inbox.signal.stream {
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
