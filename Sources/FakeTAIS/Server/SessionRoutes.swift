import BlockingWork
import Foundation
import HTTPTypes
import Hummingbird
import StackHTTP
import StackStorage
import FakeControls

/// `/api/v2/sessions-service`: sessions and their chat. Another tenant's session is 404, never 403.
struct SessionRoutes {
    let store: TAISStore
    let auth: BearerAuthenticator
    let clock: FakeClock
    let chat: ChatService

    struct NewSession: Decodable {
        var title: String?
        var budgetCredits: Double?
        var toolIds: [String]?
    }

    struct SessionPatch: Decodable {
        var toolIds: [String]?
        var budgetCredits: Patch<Double>

        enum CodingKeys: String, CodingKey { case toolIds, budgetCredits }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            toolIds = try container.decodeIfPresent([String].self, forKey: .toolIds)
            budgetCredits = try container.decodePatch(Double.self, forKey: .budgetCredits)
        }
    }

    struct NewMessage: Decodable {
        var content: String
    }

    static let maximumMessageCharacters = 8000

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let store = self.store, auth = self.auth, clock = self.clock, chat = self.chat
        routes.post("/api/v2/sessions-service") { request, _ in
            let identity = try auth.identity(request)
            let body = try await RequestBody.decode(NewSession.self, from: request, example: #"{"title":"Credits questions"}"#)
            let title = try Self.title(body.title)
            let budget = try Self.budget(body.budgetCredits)
            let now = clock.now()
            let session = try await offCooperativePool {
                try store.createSession(tenant: identity.tenant, user: identity.user, title: title, budget: budget, toolIds: body.toolIds ?? [], now: now)
            }
            return try JSONResponse.make(session, status: .created)
        }
        routes.get("/api/v2/sessions-service/:id") { request, context in
            let identity = try auth.identity(request)
            return try JSONResponse.make(try await Self.session(context, identity, store))
        }
        routes.on("/api/v2/sessions-service/:id", .patch) { request, context in
            let identity = try auth.identity(request)
            let id = context.parameters.get("id") ?? ""
            let body = try await RequestBody.decode(SessionPatch.self, from: request, example: #"{"toolIds":["tool_…"]}"#)
            let budget: Double??
            switch body.budgetCredits {
            case .absent: budget = nil
            case .null: budget = .some(nil)
            case .value(let value): budget = .some(try Self.budget(value))
            }
            let now = clock.now()
            guard let session = try await offCooperativePool({
                try store.patchSession(id: id, tenant: identity.tenant, toolIds: body.toolIds, budget: budget, now: now)
            }) else {
                throw Self.notFound(id)
            }
            return try JSONResponse.make(session)
        }
        routes.post("/api/v2/sessions-service/:id/messages") { request, context in
            let identity = try auth.identity(request)
            let session = try await Self.session(context, identity, store)
            let body = try await RequestBody.decode(NewMessage.self, from: request, example: #"{"content":"How many AI credits has my tenant used this month?"}"#)
            let content = body.content.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !content.isEmpty else { throw HTTPFailure.badRequest("content must not be empty") }
            guard content.count <= Self.maximumMessageCharacters else {
                throw HTTPFailure.badRequest("content must be at most \(Self.maximumMessageCharacters) characters")
            }
            let key = request.headers[HTTPField.Name("Idempotency-Key")!].map { $0.trimmingCharacters(in: .whitespaces) }
            if let key, key.isEmpty || key.count > 255 {
                throw HTTPFailure.badRequest("Idempotency-Key must be 1 to 255 characters")
            }
            switch try await chat.answer(sessionID: session.id, content: content, idempotencyKey: key, identity: identity) {
            case .answered(let body):
                return JSONResponse.raw(Data(body.utf8))
            case .replayed(let body):
                var response = JSONResponse.raw(Data(body.utf8))
                response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
                return response
            }
        }
        routes.get("/api/v2/sessions-service/:id/messages") { request, context in
            let identity = try auth.identity(request)
            let session = try await Self.session(context, identity, store)
            let messages = try await offCooperativePool { try store.messages(sessionID: session.id) }
            return try JSONResponse.make(["items": messages])
        }
    }

    static func session(_ context: BasicRequestContext, _ identity: TAISIdentity, _ store: TAISStore) async throws -> ChatSession {
        let id = context.parameters.get("id") ?? ""
        guard let session = try await offCooperativePool({ try store.session(id: id, tenant: identity.tenant) }) else {
            throw notFound(id)
        }
        return session
    }

    static func notFound(_ id: String) -> HTTPFailure {
        HTTPFailure(.notFound, "session \(id) not found", code: "not_found")
    }

    static func title(_ raw: String?) throws -> String {
        let title = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard title.count <= 200 else { throw HTTPFailure.badRequest("title must be at most 200 characters") }
        return title.isEmpty ? "New chat" : title
    }

    static func budget(_ value: Double?) throws -> Double? {
        guard let value else { return nil }
        guard value.isFinite, value >= 0 else { throw HTTPFailure.badRequest("budgetCredits must be a number of credits, 0 or more") }
        return value
    }
}
