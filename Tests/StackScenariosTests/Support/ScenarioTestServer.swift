import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import StackScenarios
import Synchronization
import Testing
import WireFormats

/// A small HTTP API on a real port standing in for the stack's services, recording what it was sent.
final class ScenarioTestServer: Sendable {
    /// `METHOD /path` of every request, in arrival order.
    private let log = Mutex<[String]>([])
    private let counter = Mutex(0)
    private let barrier = Barrier()

    var requests: [String] { log.withLock { $0 } }
    func record(_ request: String) { log.withLock { $0.append(request) } }
    var count: Int { counter.withLock { $0 } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(RecordingMiddleware(server: self))
        // {"count": n}, one more each call: a condition that becomes true after a few polls.
        router.get("/counter") { [self] _, _ in
            let count = counter.withLock { value in
                value += 1
                return value
            }
            return Self.json(.object([("count", .number(Double(count)))]))
        }
        // What arrived: the Authorization and Content-Type headers, the body as text and as JSON.
        router.on("/echo", method: .post) { request, _ in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let raw = String(buffer: buffer)
            let json = (try? JSONParser.parse(Array(raw.utf8))) ?? .null
            return Self.json(.object([
                ("auth", request.headers[.authorization].map(JSONValue.string) ?? .null),
                ("contentType", request.headers[.contentType].map(JSONValue.string) ?? .null),
                ("idempotencyKey", request.headers[HTTPField.Name("Idempotency-Key")!].map(JSONValue.string) ?? .null),
                ("raw", .string(raw)),
                ("json", json),
            ]), headers: [HTTPField.Name("Idempotent-Replayed")!: "true"])
        }
        router.get("/items") { _, _ in
            Self.json(.object([
                ("data", .array([.object([("id", .string("a"))]), .object([("id", .string("b"))]), .object([("id", .string("c"))])])),
                ("toolCalls", .array([.object([("isError", .bool(false)), ("durationMs", .number(12.5))])])),
                ("content", .string("| tenant | credits |\n|---|---|")),
                ("balanceCredits", .number(1000)),
                ("status", .string("open")),
                ("note", .null),
            ]))
        }
        router.get("/status/{code}") { _, context in
            let code = try context.parameters.require("code", as: Int.self)
            return Self.json(.object([("error", .string("answered \(code) on purpose"))]), status: .init(code: code))
        }
        // Answers once `n` requests wait here together; sent one after another, the first never returns.
        router.get("/barrier") { [self] request, _ in
            let n = request.uri.queryParameters.get("n", as: Int.self) ?? 2
            await barrier.arrive(expected: n)
            return Self.json(.object([("released", .bool(true))]))
        }
        router.get("/sse") { _, _ in
            let text = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}\n\n"
            return Response(status: .ok, headers: [.contentType: "text/event-stream"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/redirect") { _, _ in
            Response(status: .seeOther, headers: [.location: "/elsewhere"])
        }
        router.on("/faults", method: .delete) { _, _ in Self.json(.object([("faults", .array([]))])) }
        return router
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var writer = JSONWriter()
        writer.value(value)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

    /// Serves the router on an ephemeral port for `body`, with every service pointing at it.
    func serve(_ body: @Sendable (ScenarioEnvironment) async throws -> Void) async throws {
        var logger = Logger(label: "scenario-tests")
        logger.logLevel = .critical
        let app = Application(router: router(), logger: logger)
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let services = Dictionary(uniqueKeysWithValues: ScenarioService.allCases.map { ($0.rawValue, base) })
            let variables = ["tenant": "acme", "tais_jwt": "jwt-1", "control_token": "ctl-1", "stripe_key": "sk_test_1",
                             "session_id": "ses-1", "tais_url": base]
            try await body(ScenarioEnvironment(services: services, variables: variables))
        }
    }
}

private struct RecordingMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let server: ScenarioTestServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        server.record("\(request.method.rawValue) \(request.uri.path)")
        return try await next(request, context)
    }
}

/// Holds arrivals until `expected` of them wait together, then lets them all go.
private actor Barrier {
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func arrive(expected: Int) async {
        await withCheckedContinuation { continuation in
            waiting.append(continuation)
            if waiting.count >= expected {
                waiting.forEach { $0.resume() }
                waiting = []
            }
        }
    }
}
