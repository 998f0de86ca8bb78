import AsyncHTTPClient
import Foundation
import NIOHTTP1
import StackClients
import WireFormats

/// The client of every scenario request: a refused connection fails at once (no reconnect loop until the
/// deadline), and redirects are not followed, so a step sees the 303 and its `Location` as the API sent them.
private let scenarioHTTPClient = FailFastHTTPClient.make(connectionsPerHost: 64, followRedirects: false)

/// A step's request with its `${…}` resolved, ready to send (the same for every repeat and retry).
struct PreparedRequest: Sendable {
    var service: ScenarioService
    var base: String
    var method: String
    var path: String
    var headers: [(String, String)]
    var body: [UInt8]?

    var url: String { base + path }
    var label: String { "\(method) \(path)" }

    static func prepare(
        _ request: ScenarioRequest, variables: [String: JSONValue], services: [String: String]
    ) throws(ScenarioStepFailure) -> PreparedRequest {
        guard let base = services[request.service.rawValue] else {
            throw ScenarioStepFailure("no URL for service \(request.service.rawValue) (the stack does not say where it is; "
                + "pass --service-url \(request.service.rawValue)=URL)")
        }
        do {
            var prepared = PreparedRequest(service: request.service, base: base, method: request.method,
                                           path: try request.path.string(variables), headers: [], body: nil)
            for header in request.headers { prepared.headers.append((header.name, try header.value.string(variables))) }
            let has = { (name: String) in prepared.headers.contains { $0.0.caseInsensitiveCompare(name) == .orderedSame } }
            if !has("Authorization") {
                let token: String?
                if let explicit = request.token {
                    token = try explicit.string(variables)
                } else if let variable = (request.auth ?? request.service.defaultAuth).tokenVariable {
                    // A built-in the stack did not provide (no API key set) means no header, not a failure.
                    token = variables[variable].map(ScenarioRendering.text)
                } else {
                    token = nil
                }
                if let token, !token.isEmpty { prepared.headers.append(("Authorization", "Bearer \(token)")) }
            }
            switch request.body {
            case .none:
                break
            case .json(let value):
                var writer = JSONWriter()
                writer.value(try value.resolve(variables))
                prepared.body = writer.bytes
                if !has("Content-Type") { prepared.headers.append(("Content-Type", "application/json")) }
            case .form(let members):
                var fields: [(String, String)] = []
                for member in members { FormEncoding.flatten(member.key, try member.value.resolve(variables), into: &fields) }
                prepared.body = Array(FormEncoding.encode(fields).utf8)
                if !has("Content-Type") { prepared.headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
            }
            // Streamable HTTP refuses a POST that does not accept both.
            if request.service == .mcp, !has("Accept") {
                prepared.headers.append(("Accept", "application/json, text/event-stream"))
            }
            return prepared
        } catch {
            throw ScenarioStepFailure(error.description)
        }
    }

    /// Sends it once; a transport failure names the service, its URL and the cause.
    func send(timeout: Duration) async throws(ScenarioStepFailure) -> HTTPReply {
        let requester = HTTPRequester(client: scenarioHTTPClient, timeout: timeout, maximumBodyBytes: 32 * 1024 * 1024)
        do {
            return try await requester.send(HTTPMethod(rawValue: method), url, headers: headers, body: body)
        } catch {
            if Task.isCancelled { throw ScenarioStepFailure("cancelled (\(label))") }
            throw ScenarioStepFailure("cannot reach \(service.rawValue) at \(base): \(Self.describe(error, timeout: timeout)) (\(label))")
        }
    }

    static func describe(_ error: any Error, timeout: Duration) -> String {
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout: return "no answer within \(ScenarioConsoleReport.duration(timeout))"
            case .connectTimeout: return "connect timed out"
            case .remoteConnectionClosed: return "the connection closed before an answer"
            case .cancelled: return "cancelled"
            case .invalidURL, .emptyHost, .emptyScheme: return "not a valid URL"
            default: break
            }
        }
        if error is CancellationError { return "cancelled" }
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("refused") { return "connection refused" }
        return text
    }
}

/// A reason a step fails, worded for the report.
struct ScenarioStepFailure: Error, CustomStringConvertible, Sendable {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `application/x-www-form-urlencoded` as Stripe reads it: `a[b]=1`, `a[0]=x`.
enum FormEncoding {
    static func flatten(_ key: String, _ value: JSONValue, into fields: inout [(String, String)]) {
        switch value {
        case .object(let members):
            for member in members { flatten("\(key)[\(member.key)]", member.value, into: &fields) }
        case .array(let items):
            for (index, item) in items.enumerated() { flatten("\(key)[\(index)]", item, into: &fields) }
        case .null:
            fields.append((key, ""))
        default:
            fields.append((key, ScenarioRendering.text(value)))
        }
    }

    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

extension HTTPReply {
    /// The body as JSON; a Server-Sent Events stream (an MCP answer) gives its last event whose data is JSON.
    func scenarioJSON() -> JSONValue? {
        if let type = header("Content-Type"), type.lowercased().hasPrefix("text/event-stream") {
            var parser = ServerSentEventParser()
            let events = parser.feed(body) + parser.finish()
            return events.reversed().lazy.compactMap { try? JSONParser.parse(Array($0.data.utf8)) }.first
        }
        return try? JSONParser.parse(body)
    }
}
