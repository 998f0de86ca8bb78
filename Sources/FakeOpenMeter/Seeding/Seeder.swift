import Foundation

/// Writes a plan's events into a store in large transactions.
public enum Seeder {
    public static let batchSize = 10_000

    /// Returns how many events were new (a re-run of the same plan adds none).
    @discardableResult
    public static func seed(_ plan: SeedPlan, into store: EventStore, progress: (Int) -> Void = { _ in }) throws -> Int {
        let ingestedAt = Int64(Date().timeIntervalSince1970 * 1000)
        var batch: [CloudEvent] = []
        batch.reserveCapacity(batchSize)
        var inserted = 0
        var written = 0
        for event in DemoDataGenerator(plan: plan) {
            batch.append(event)
            if batch.count == batchSize {
                inserted += try store.insert(batch, ingestedAt: ingestedAt)
                written += batch.count
                batch.removeAll(keepingCapacity: true)
                progress(written)
            }
        }
        inserted += try store.insert(batch, ingestedAt: ingestedAt)
        return inserted
    }
}
