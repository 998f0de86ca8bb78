import BlockingWork
import Foundation
import Hummingbird
import StackHTTP
import StackStorage
import FakeControls

/// `/api/v2/tools-service/tools`: register, list, get, delete.
struct ToolRoutes {
    let store: TAISStore
    let auth: BearerAuthenticator
    let clock: FakeClock
    let ttl: TimeInterval

    struct Registration: Decodable {
        var name: String
        var description: String?
        var url: String
        var transport: String
    }

    static let example = #"{"name":"credits-mcp","description":"AI-credit usage","url":"http://127.0.0.1:8765/mcp","transport":"streamable-http"}"#

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let store = self.store, auth = self.auth, clock = self.clock, ttl = self.ttl
        routes.post("/api/v2/tools-service/tools") { request, _ in
            let identity = try auth.identity(request)
            let body = try await RequestBody.decode(Registration.self, from: request, example: Self.example)
            let tool = try Self.validate(body)
            let now = clock.now()
            let registration = try await offCooperativePool { try store.registerTool(tool, tenant: identity.tenant, user: identity.user, now: now, ttl: ttl) }
            return try JSONResponse.make(registration, status: .created)
        }
        routes.get("/api/v2/tools-service/tools") { request, _ in
            let identity = try auth.identity(request)
            let now = clock.now()
            let tools = try await offCooperativePool { try store.liveTools(tenant: identity.tenant, now: now) }
            return try JSONResponse.make(["items": tools])
        }
        routes.get("/api/v2/tools-service/tools/:id") { request, context in
            let identity = try auth.identity(request)
            let id = context.parameters.get("id") ?? "", now = clock.now()
            guard let tool = try await offCooperativePool({ try store.liveTool(id: id, tenant: identity.tenant, now: now) }) else {
                throw HTTPFailure(.notFound, "tool \(id) not found (unknown, expired or deleted)", code: "not_found")
            }
            return try JSONResponse.make(tool)
        }
        routes.delete("/api/v2/tools-service/tools/:id") { request, context in
            let identity = try auth.identity(request)
            let id = context.parameters.get("id") ?? "", now = clock.now()
            guard try await offCooperativePool({ try store.deleteTool(id: id, tenant: identity.tenant, now: now) }) else {
                throw HTTPFailure(.notFound, "tool \(id) not found (unknown, expired or deleted)", code: "not_found")
            }
            return JSONResponse.empty()
        }
    }

    static func validate(_ body: Registration) throws -> TAISStore.NewTool {
        let name = body.name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count), name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) }) else {
            throw HTTPFailure.badRequest("name must be 1 to 100 characters of letters, digits, '-', '_' or '.'")
        }
        guard let url = URL(string: body.url), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw HTTPFailure.badRequest("url must be an absolute http or https URL, like http://127.0.0.1:8765/mcp")
        }
        guard body.transport == "streamable-http" else {
            throw HTTPFailure.badRequest("transport must be \"streamable-http\", got \"\(body.transport)\"")
        }
        let description = body.description ?? ""
        guard description.count <= 2000 else { throw HTTPFailure.badRequest("description must be at most 2000 characters") }
        return TAISStore.NewTool(name: name, description: description, url: body.url, transport: body.transport)
    }
}
