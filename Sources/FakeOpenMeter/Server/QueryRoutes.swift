import Foundation
import Hummingbird
import StackHTTP

/// `GET` and `POST /api/v1/meters/{meterIdOrSlug}/query`, as JSON or (`Accept: text/csv`) CSV.
struct QueryRoutes {
    let store: EventStore

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        routes.get("/api/v1/meters/:meter/query") { request, context in
            let meter = try await MeterRoutes.meter(context, store)
            let query = try MeterQueryRequest(query: QueryReader(request))
            return try await respond(request, meter: meter, query: query)
        }
        routes.post("/api/v1/meters/:meter/query") { request, context in
            let meter = try await MeterRoutes.meter(context, store)
            let body = try await request.collectBody(limit: 1024 * 1024)
            guard body.readableBytes > 0 else {
                throw HTTPFailure.badRequest("request body has an error: value is required but missing")
            }
            let query = try MeterQueryRequest(body: Array(body.readableBytesView))
            return try await respond(request, meter: meter, query: query)
        }
    }

    func respond(_ request: Request, meter: Meter, query: MeterQueryRequest) async throws -> Response {
        let result = try await MeterQueryEngine(store: store).run(meter: meter, request: query)
        if request.headers[.accept]?.contains("text/csv") == true {
            var headers: HTTPFields = [.contentType: "text/csv"]
            headers[.contentDisposition] = "attachment; filename=\(meter.slug).csv"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: result.csv())))
        }
        return JSONResponse.raw(Data(result.json()))
    }
}
