import BlockingWork
import Foundation
import Hummingbird
import Logging
import StackHTTP
import StackStorage
import WireFormats

/// `POST /api/v1/events`, `GET /api/v1/events`, `GET /api/v2/events`.
struct EventRoutes {
    let store: EventStore
    let logger: Logger

    /// OpenMeter lists v1 events at most 32 days back.
    static let v1Lookback: Int64 = 32 * 86400

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        routes.post("/api/v1/events") { request, _ in try await ingest(request) }
        // Listing reads the store synchronously: off the cooperative pool, so handlers never wait on it.
        routes.get("/api/v1/events") { request, _ in try await offCooperativePool { try listV1(request) } }
        routes.get("/api/v2/events") { request, _ in try await offCooperativePool { try listV2(request) } }
    }

    func ingest(_ request: Request) async throws -> Response {
        let shape = try EventDecoder.shape(forContentType: request.headers[.contentType])
        let buffer = try await request.collectBody(limit: OpenMeterConfiguration.maximumBodyBytes)
        let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
        let events = try EventDecoder.decode(Array(buffer.readableBytesView), shape: shape, now: nowMillis / 1000)
        let store = self.store
        _ = try await offCooperativePool { try store.ingest(events, ingestedAt: nowMillis) }
        return Response(status: .noContent)
    }

    func listV1(_ request: Request) throws -> Response {
        let query = QueryReader(request)
        let now = Int64(Date().timeIntervalSince1970)
        let minimum = now - Self.v1Lookback
        let from = try query.date("from")
        let to = try query.date("to")
        if let from, from.seconds < minimum {
            throw HTTPFailure.badRequest("validate input: from date is too old: \(from.raw), must be after \(RFC3339.format(seconds: minimum))")
        }
        if let from, let to, to.seconds < from.seconds {
            throw HTTPFailure.badRequest("validate input: to date is before from date: \(to.raw) < \(from.raw)")
        }
        let ingestedFrom = try query.date("ingestedAtFrom")
        let ingestedTo = try query.date("ingestedAtTo")
        if let a = ingestedFrom, let b = ingestedTo, b.seconds < a.seconds {
            throw HTTPFailure.badRequest("validate input: ingestedAtTo date is before ingestedAtFrom date: \(b.raw) < \(a.raw)")
        }
        let v1 = V1EventQuery(
            from: from.map { $0.seconds + ($0.nanos > 0 ? 1 : 0) } ?? minimum + 1,
            to: to?.seconds,
            ingestedAtFrom: ingestedFrom.map { $0.seconds * 1000 + Int64($0.nanos / 1_000_000) },
            ingestedAtTo: ingestedTo.map { $0.seconds * 1000 + Int64($0.nanos / 1_000_000) },
            subject: query.string("subject"),
            id: query.string("id"),
            limit: try query.int("limit", range: 1...100) ?? 100
        )
        let events = try store.listV1(v1)
        let validator = EventValidator(meters: try store.meters())
        var w = JSONWriter(capacity: 64 + events.count * 400)
        w.raw("[")
        for (i, event) in events.enumerated() {
            if i > 0 { w.raw(",") }
            EventRendering.write(event, validationError: validator.validationError(for: event.event), into: &w)
        }
        w.raw("]")
        return JSONResponse.raw(Data(w.bytes))
    }

    func listV2(_ request: Request) throws -> Response {
        let query = QueryReader(request)
        let limit = try query.int("limit", range: 1...100) ?? 100
        let cursor = try query.string("cursor").map { (text) throws(HTTPFailure) in try EventCursor(decoding: text) }
        var conditions: [SQLCondition] = []
        var orderByIngestedAt = false
        if let filter = try query.json("filter") {
            guard case .object(let members) = filter else {
                throw QueryReader.invalid("filter", "must be a JSON object")
            }
            let hasTime = filter["time"].map { !$0.isNull } ?? false
            let hasIngested = filter["ingestedAt"].map { !$0.isNull } ?? false
            if hasTime, hasIngested { throw HTTPFailure.badRequest("time and ingested_at cannot both be set") }
            for (key, value) in members where !value.isNull {
                switch key {
                case "id", "source", "subject", "type":
                    conditions.append(try FilterCompiler.string(value, column: key, field: key))
                case "time":
                    conditions.append(try FilterCompiler.time(value, column: "time", field: "time"))
                case "ingestedAt":
                    orderByIngestedAt = true
                    conditions.append(try FilterCompiler.time(value, column: "ingested_at", field: "ingested_at", scale: 1000))
                case "customerId":
                    // This fake has no customers: a customer filter matches no event.
                    conditions.append(SQLCondition(sql: "0", arguments: []))
                default:
                    continue
                }
            }
        }
        let page = try store.listV2(V2EventQuery(filter: .all(conditions), orderByIngestedAt: orderByIngestedAt, cursor: cursor, limit: limit))
        let validator = EventValidator(meters: try store.meters())
        var w = JSONWriter(capacity: 64 + page.events.count * 400)
        w.raw("{\"items\":[")
        for (i, event) in page.events.enumerated() {
            if i > 0 { w.raw(",") }
            EventRendering.write(event, validationError: validator.validationError(for: event.event), into: &w)
        }
        w.raw("]")
        if let next = page.next { w.raw(","); w.key("nextCursor"); w.string(next.encoded) }
        w.raw("}")
        return JSONResponse.raw(Data(w.bytes))
    }
}
