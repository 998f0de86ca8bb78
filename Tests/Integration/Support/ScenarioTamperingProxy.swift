import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import StackClients

/// A small HTTP proxy in front of one of the stack's services, for the scenario guard tests where the stack has no
/// knob that breaks a behaviour for real (nothing makes fake-tais credit a session twice). It forwards every
/// request unchanged and lets `tamper` answer in the service's place or rewrite the answer, so a scenario run with
/// `--service-url NAME=<proxy>` sees the stack as it would look if the behaviour broke.
final class ScenarioTamperingProxy: Sendable {
    /// One request as the proxy received it.
    struct Exchange: Sendable {
        let method: String
        /// Without the query.
        let path: String
        let query: String
        let body: [UInt8]
    }

    /// What to do with a request: forward it, optionally rewriting the body of the answer (nil: unchanged), or
    /// answer it without forwarding.
    enum Action: Sendable {
        case forward(rewrite: (@Sendable (_ status: Int, _ body: [UInt8]) -> [UInt8]?)?)
        case answer(status: Int, json: String)

        static let pass = Action.forward(rewrite: nil)
    }

    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let server: Task<Void, any Error>

    private init(port: Int, server: Task<Void, any Error>) {
        self.port = port
        self.server = server
    }

    /// Starts a proxy on a free port of 127.0.0.1 in front of `target` (a base URL without trailing slash).
    static func start(target: String, tamper: @escaping @Sendable (Exchange) -> Action) async throws -> ScenarioTamperingProxy {
        let http = HTTPRequester(timeout: .seconds(60))
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let body = Array(try await request.body.collect(upTo: 16 << 20).readableBytesView)
            let exchange = Exchange(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", body: body)
            var rewrite: (@Sendable (Int, [UInt8]) -> [UInt8]?)?
            switch tamper(exchange) {
            case .answer(let status, let json):
                return response(status: status, headers: [("Content-Type", "application/json")], body: Array(json.utf8))
            case .forward(let change):
                rewrite = change
            }
            let target = target + request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            let headers = request.headers.filter { !hopByHop.contains($0.name.canonicalName) }.map { ($0.name.rawName, $0.value) }
            let reply = try await http.send(
                HTTPMethod(rawValue: request.method.rawValue), target, headers: headers,
                body: body.isEmpty && ["GET", "HEAD", "DELETE"].contains(exchange.method) ? nil : body)
            let answer = rewrite?(reply.status, reply.body) ?? reply.body
            let replyHeaders = reply.headers.filter { !hopByHop.contains($0.name.lowercased()) }.map { ($0.name, $0.value) }
            return response(status: reply.status, headers: replyHeaders, body: answer)
        }
        let (ports, announce) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in announce.yield(channel.localAddress?.port ?? 0) })
        let server = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            server.cancel()
            throw StackTestError("the tampering proxy did not start")
        }
        return ScenarioTamperingProxy(port: port, server: server)
    }

    /// Stops the proxy and waits until it no longer listens.
    func stop() async {
        server.cancel()
        _ = await server.result
    }

    /// Runs `body` with a proxy in front of `target`, stopping it afterwards, also when `body` throws.
    static func with<T: Sendable>(
        target: String, tamper: @escaping @Sendable (Exchange) -> Action, _ body: (ScenarioTamperingProxy) async throws -> T
    ) async throws -> T {
        let proxy = try await start(target: target, tamper: tamper)
        do {
            let result = try await body(proxy)
            await proxy.stop()
            return result
        } catch {
            await proxy.stop()
            throw error
        }
    }

    /// Headers of one connection that a proxy must not pass on (the body is re-framed).
    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "content-length", "host", "upgrade", "te", "trailer",
        "proxy-connection",
    ]

    private static func response(status: Int, headers: [(String, String)], body: [UInt8]) -> Response {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
