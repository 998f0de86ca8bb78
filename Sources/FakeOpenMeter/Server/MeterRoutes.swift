import BlockingWork
import Foundation
import Hummingbird
import StackHTTP
import StackStorage
import WireFormats

/// Meter CRUD plus `…/subjects` and `…/group-by/{key}/values`.
struct MeterRoutes {
    let store: EventStore

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        routes.get("/api/v1/meters") { request, _ in try await list(request) }
        routes.post("/api/v1/meters") { request, _ in try await create(request) }
        routes.get("/api/v1/meters/:meter") { _, context in
            try JSONResponse.make(try await Self.meter(context, store))
        }
        routes.put("/api/v1/meters/:meter") { request, context in try await update(request, context) }
        routes.delete("/api/v1/meters/:meter") { _, context in
            var meter = try await Self.meter(context, store)
            meter.deletedAt = RFC3339.format(seconds: Int64(Date().timeIntervalSince1970))
            let deleted = meter
            try await offCooperativePool { try store.replaceMeter(deleted) }
            return Response(status: .noContent)
        }
        routes.get("/api/v1/meters/:meter/subjects") { request, context in
            let meter = try await Self.meter(context, store)
            let query = QueryReader(request)
            let (from, to) = (try query.date("from")?.seconds, try query.date("to")?.seconds)
            let subjects = try await offCooperativePool { try store.subjects(meter: meter, from: from, to: to) }
            return try JSONResponse.make(subjects)
        }
        routes.get("/api/v1/meters/:meter/group-by/:key/values") { request, context in
            let meter = try await Self.meter(context, store)
            let key = context.parameters.get("key") ?? ""
            guard let path = meter.groupBy?[key] else { throw HTTPFailure.badRequest("invalid group by: \(key)") }
            let query = QueryReader(request)
            let from = try query.date("from")?.seconds ?? Int64(Date().timeIntervalSince1970) - 86400
            let to = try query.date("to")?.seconds
            let values = try await offCooperativePool { try store.groupByValues(meter: meter, path: path, from: from, to: to) }
            return try JSONResponse.make(values)
        }
    }

    /// The `{meterIdOrSlug}` path parameter, checked like OpenMeter's validator, then looked up.
    static func meter(_ context: BasicRequestContext, _ store: EventStore) async throws -> Meter {
        let idOrSlug = context.parameters.get("meter") ?? ""
        guard MeterValidation.validSlug(idOrSlug) || ULID.isValid(idOrSlug) else {
            throw HTTPFailure.badRequest(
                "parameter \"meterIdOrSlug\" in path has an error: string doesn't match the regular expression \"^[a-z0-9]+(?:_[a-z0-9]+)*$|^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$\""
            )
        }
        guard let meter = try await offCooperativePool({ try store.meter(idOrSlug: idOrSlug) }) else {
            throw HTTPFailure.notFound("meter not found: \(idOrSlug)")
        }
        return meter
    }

    func list(_ request: Request) async throws -> Response {
        let query = QueryReader(request)
        let page = try query.int("page", range: 1...Int.max) ?? 1
        let pageSize = try query.int("pageSize", range: 1...1000) ?? 100
        let includeDeleted = query.string("includeDeleted").map { $0.lowercased() == "true" } ?? false
        let descending = try query.enumeration("order", SortOrder.self) == .desc
        let orderBy = try query.enumeration("orderBy", MeterOrder.self) ?? .key
        var meters = try await offCooperativePool { try store.meters(includeDeleted: includeDeleted) }
        meters.sort { a, b in
            let (x, y) = descending ? (b, a) : (a, b)
            switch orderBy {
            case .key: return x.slug < y.slug
            case .name: return (x.name ?? x.slug) < (y.name ?? y.slug)
            case .aggregation: return x.aggregation.rawValue < y.aggregation.rawValue
            case .createdAt: return x.createdAt < y.createdAt
            case .updatedAt: return x.updatedAt < y.updatedAt
            }
        }
        return try JSONResponse.make(Array(meters[Self.pageBounds(page: page, pageSize: pageSize, count: meters.count)]))
    }

    /// The slice of `count` items on a 1-based page. Request integers can be as large as `Int.max`, so the
    /// offset saturates instead of wrapping: a page past the end is empty, never a negative index.
    static func pageBounds(page: Int, pageSize: Int, count: Int) -> Range<Int> {
        let (offset, overflow) = (max(page, 1) - 1).multipliedReportingOverflow(by: max(pageSize, 0))
        let start = overflow ? count : min(offset, count)
        return start..<(start + min(max(pageSize, 0), count - start))
    }

    func create(_ request: Request) async throws -> Response {
        let body = try await request.collectBody(limit: 1024 * 1024)
        let create: MeterCreate
        do {
            create = try JSONDecoder().decode(MeterCreate.self, from: Data(buffer: body))
        } catch {
            throw HTTPFailure.badRequest("request body has an error: doesn't match schema: \(Self.describe(error))")
        }
        let now = RFC3339.format(seconds: Int64(Date().timeIntervalSince1970))
        let meter = try MeterValidation.meter(from: create, id: ULID.make(), now: now)
        guard try await offCooperativePool({ try store.insertMeter(meter) }) else {
            throw HTTPFailure(.conflict, "meter with the same slug already exists")
        }
        return try JSONResponse.make(meter, status: .created)
    }

    func update(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        var meter = try await Self.meter(context, store)
        let body = try await request.collectBody(limit: 1024 * 1024)
        let update: MeterUpdate
        do {
            update = try JSONDecoder().decode(MeterUpdate.self, from: Data(buffer: body))
        } catch {
            throw HTTPFailure.badRequest("request body has an error: doesn't match schema: \(Self.describe(error))")
        }
        if let name = update.name {
            guard (1...256).contains(name.count) else { throw HTTPFailure.badRequest("name must be between 1 and 256 characters") }
            meter.name = name
        }
        if let description = update.description {
            guard description.count <= 1024 else { throw HTTPFailure.badRequest("description must be at most 1024 characters") }
            meter.description = description
        }
        if let metadata = update.metadata { meter.metadata = metadata }
        if let groupBy = update.groupBy {
            try MeterValidation.check(groupBy: groupBy, valueProperty: meter.valueProperty)
            meter.groupBy = groupBy
        }
        meter.updatedAt = RFC3339.format(seconds: Int64(Date().timeIntervalSince1970))
        let updated = meter
        try await offCooperativePool { try store.replaceMeter(updated) }
        return try JSONResponse.make(meter)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: "/")
            return path.isEmpty ? context.debugDescription : "Error at \"/\(path)\": \(context.debugDescription)"
        default:
            return "invalid JSON"
        }
    }
}

enum SortOrder: String, CaseIterable { case asc = "ASC", desc = "DESC" }
enum MeterOrder: String, CaseIterable { case key, name, aggregation, createdAt, updatedAt }

extension EventStore {
    func subjects(meter: Meter, from: Int64?, to: Int64?) throws -> [String] {
        var conditions = [SQLCondition(sql: "type = ?", arguments: [meter.eventType])]
        if let from { conditions.append(SQLCondition(sql: "time >= ?", arguments: [from])) }
        if let to { conditions.append(SQLCondition(sql: "time <= ?", arguments: [to])) }
        let condition = SQLCondition.all(conditions)
        try mergeInbox()
        return try db.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT subject FROM events WHERE \(condition.sql) ORDER BY subject", arguments: condition.statementArguments)
        }
    }

    func groupByValues(meter: Meter, path: String, from: Int64, to: Int64?) throws -> [String] {
        var conditions = [SQLCondition(sql: "type = ?", arguments: [meter.eventType]), SQLCondition(sql: "time >= ?", arguments: [from])]
        if let to { conditions.append(SQLCondition(sql: "time <= ?", arguments: [to])) }
        let condition = SQLCondition.all(conditions)
        let expression = MeterRowExtractor.groupExpression(path: path)
        try mergeInbox()
        return try db.read { db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT \(expression) AS v FROM events WHERE \(condition.sql) AND v != '' ORDER BY v",
                arguments: condition.statementArguments
            )
        }
    }
}
