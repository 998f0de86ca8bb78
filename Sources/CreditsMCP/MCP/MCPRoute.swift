import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NIOCore

/// Bridges `/mcp` (POST, GET, DELETE) between Hummingbird and the SDK's Streamable HTTP transport.
/// In JWT mode the bearer token is verified here, before the transport, so a bad one is a plain
/// HTTP 401 with `WWW-Authenticate: Bearer`; the verified identity travels to the tool handlers on
/// an internal header (`VerifiedIdentity`) after every inbound header of that prefix is stripped.
/// Each session belongs to the caller that initialized it: anyone else gets the unknown-session 404.
struct MCPRoute: Sendable {
    let sessions: MCPSessionStore
    let verifier: TAISTokenVerifier?
    let resolver: CallerResolver
    let logger: Logger
    static let maximumBodyBytes = 4 * 1024 * 1024

    private struct MethodProbe: Decodable { let method: String? }

    func handle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            if name.hasPrefix(VerifiedIdentity.internalHeaderPrefix) { continue }
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let owner: SessionOwner
        if let verifier {
            guard let authorization = headers["authorization"], authorization.lowercased().hasPrefix("bearer "),
                  case let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces), !token.isEmpty
            else {
                return Self.unauthorized("missing bearer token: send Authorization: Bearer <TAIS JWT>")
            }
            let identity: TAISTokenVerifier.Verified
            do {
                identity = try await verifier.verify(token)
            } catch {
                // The server's own JWKS outage is not a bad token: 503, so a client keeps its token and retries.
                if error.unavailable { return Self.plainError(status: .serviceUnavailable, error.message) }
                return Self.unauthorized(error.message)
            }
            if let forwarded = headers["x-tenant-id"]?.trimmingCharacters(in: .whitespaces), !forwarded.isEmpty, forwarded != identity.tenant {
                return Self.plainError(status: .forbidden, "X-Tenant-Id does not match the token's tenant")
            }
            headers[VerifiedIdentity.header] = VerifiedIdentity(tenant: identity.tenant, user: identity.user, groups: identity.groups).headerValue
            owner = SessionOwner(tenant: identity.tenant, user: identity.user)
        } else {
            owner = SessionOwner(tenant: resolver.headersModeTenant { headers[$0.lowercased()] }, user: nil)
        }
        var body: Data?
        if request.method == .post {
            let buffer = try await request.body.collect(upTo: Self.maximumBodyBytes)
            body = Data(buffer.readableBytesView)
        }
        let mcpRequest = MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body, path: request.uri.path)
        let sessionID = mcpRequest.header(HTTPHeaderName.sessionID)
        let response: MCP.HTTPResponse
        if let sessionID, let transport = await sessions.lookup(sessionID, owner: owner) {
            response = await transport.handleRequest(mcpRequest)
            if request.method == .delete, response.statusCode == 200 { await sessions.remove(sessionID) }
        } else if request.method == .post, sessionID == nil, let body,
                  (try? JSONDecoder().decode(MethodProbe.self, from: body))?.method == "initialize" {
            do {
                let transport = try await sessions.create(owner: owner)
                response = await transport.handleRequest(mcpRequest)
            } catch {
                response = .error(statusCode: error.statusCode, .internalError(error.message))
            }
        } else if sessionID != nil {
            // Unknown, expired and someone else's session: one answer, so a session id cannot be probed.
            response = .error(statusCode: 404, .invalidRequest("Not Found: session not found or expired; initialize again"))
        } else if request.method == .post {
            response = .error(statusCode: 400, .invalidRequest("Bad Request: missing Mcp-Session-Id header; send initialize first"))
        } else {
            response = .error(statusCode: 400, .invalidRequest("Bad Request: missing Mcp-Session-Id header"))
        }
        return Self.response(response)
    }

    static func response(_ mcp: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (key, value) in mcp.headers {
            if let name = HTTPField.Name(key) { fields[name] = value }
        }
        let status = HTTPResponse.Status(code: mcp.statusCode)
        switch mcp {
        case .stream(let stream, _):
            return Response(status: status, headers: fields, body: ResponseBody { writer in
                for try await chunk in stream {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
        default:
            let body = mcp.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
            return Response(status: status, headers: fields, body: body)
        }
    }

    static func unauthorized(_ message: String) -> Response {
        var response = plainError(status: .unauthorized, message)
        response.headers[.wwwAuthenticate] = "Bearer realm=\"credits-mcp\", error=\"invalid_token\""
        return response
    }

    static func plainError(status: HTTPResponse.Status, _ message: String) -> Response {
        let body = (try? JSONEncoder().encode(["error": message])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
