import FakeOpenMeter
import NIOCore
import WireFormats

/// In which order the events reach the store.
enum ArrivalOrder: String, CaseIterable, Sendable {
    /// Shuffled with a seeded Fisher-Yates: late and early events mixed, as from many clients with retries.
    case random
    /// As generated: times rising (with jitter), tenants interleaved, like one live feed.
    case time
}

/// The events of one run: generated from a seed plan, put in arrival order and cut into batches.
/// The server and the SQLite floors get the same events in the same batches.
struct BenchData {
    let plan: SeedPlan
    /// In arrival order.
    let events: [CloudEvent]
    let batchSize: Int

    init(plan: SeedPlan, order: ArrivalOrder, batchSize: Int) {
        var events = Array(DemoDataGenerator(plan: plan))
        if order == .random {
            var random = SplitMix64(seed: plan.seed)
            random.shuffle(&events)
        }
        self.plan = plan
        self.events = events
        self.batchSize = batchSize
    }

    /// The events cut into batches of `batchSize` (the last may be shorter).
    var batches: [ArraySlice<CloudEvent>] {
        stride(from: 0, to: events.count, by: batchSize).map { events[$0..<min($0 + batchSize, events.count)] }
    }

    /// Each batch as the body of one `POST /api/v1/events` (a CloudEvents JSON batch).
    func requestBodies() -> [ByteBuffer] {
        batches.map { batch in
            var w = JSONWriter(capacity: batch.count * 300)
            w.raw("[")
            for (i, event) in batch.enumerated() {
                if i > 0 { w.raw(",") }
                Self.write(event, into: &w)
            }
            w.raw("]")
            return ByteBuffer(bytes: w.bytes)
        }
    }

    static func write(_ event: CloudEvent, into w: inout JSONWriter) {
        w.raw("{\"specversion\":\"1.0\",\"id\":"); w.string(event.id)
        w.raw(",\"source\":"); w.string(event.source)
        w.raw(",\"type\":"); w.string(event.type)
        w.raw(",\"subject\":"); w.string(event.subject)
        w.raw(",\"time\":"); w.string(RFC3339.format(seconds: event.time))
        if let data = event.data { w.raw(",\"data\":"); w.raw(data) }
        w.raw("}")
    }
}

/// What the queries read: one tenant's events with `from <= time < to` (Unix seconds).
struct TenantRange: Sendable {
    let subject: String
    let from: Int64
    let to: Int64
}
