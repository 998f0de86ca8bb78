import Foundation
import HTTPTypes
import Testing
@testable import FakeTAIS

/// The tool registry (expiry on the fake clock, plan caps, validation) and sessions (tenant scoping, 422s).
@Suite struct RegistryAndSessionTests {
    @Test func aRegistrationExpiresOnTheFakeClock() async throws {
        try await withTAIS(configure: { $0.toolTTLSeconds = 3600 }) { tais in
            let token = try tais.token()
            let created = try await tais.registerTool(token)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            #expect(id.hasPrefix("tool_"))
            #expect(created.json["expiresAt"] as? String == "2026-03-18T15:25:36Z")
            #expect(created.json["tenantId"] as? String == "acme")
            #expect(created.json["createdBy"] as? String == "ada")
            #expect(try await tais.send(.get, "/api/v2/tools-service/tools/\(id)", token: token).status == .ok)
            tais.clock.advance(by: 3599)
            #expect(try await tais.send(.get, "/api/v2/tools-service/tools", token: token).items.count == 1)
            tais.clock.advance(by: 1)
            #expect(try await tais.send(.get, "/api/v2/tools-service/tools/\(id)", token: token).status == .notFound)
            #expect(try await tais.send(.get, "/api/v2/tools-service/tools", token: token).items.isEmpty)
            #expect(try await tais.send(.delete, "/api/v2/tools-service/tools/\(id)", token: token).status == .notFound)
        }
    }

    @Test func thePlanCapsLiveRegistrationsAndKeepsTheExistingOnes() async throws {
        try await withTAIS { tais in
            let token = try tais.token()
            for index in 0..<10 { #expect(try await tais.registerTool(token, name: "t\(index)").status == .created) }
            let refused = try await tais.registerTool(token, name: "eleventh")
            #expect(refused.status == .forbidden)
            #expect(refused.error == "plan_limit_reached")
            #expect(refused.json["cap"] as? Int == 10)
            #expect(try await tais.send(.get, "/api/v2/tools-service/tools", token: token).items.count == 10)
            // Another tenant has its own cap; the operator override raises acme's.
            #expect(try await tais.registerTool(try tais.token(tenant: "globex")).status == .created)
            let raised = try await tais.send(.post, "/_fake/tenants/acme", body: #"{"toolCap":11}"#)
            #expect(raised.json["toolCap"] as? Int == 11)
            #expect(try await tais.registerTool(token, name: "eleventh").status == .created)
            // Expired registrations no longer count.
            _ = try await tais.send(.post, "/_fake/tenants/acme", body: #"{"plan":"free"}"#)
            #expect(try await tais.registerTool(token).status == .forbidden)
            tais.clock.advance(by: 3600)
            #expect(try await tais.registerTool(token).status == .created)
        }
    }

    @Test(arguments: [
        (#"{"url":"http://x/mcp","transport":"streamable-http"}"#, "name is required"),
        (#"{"name":"","url":"http://x/mcp","transport":"streamable-http"}"#, "name must be"),
        (#"{"name":"a b","url":"http://x/mcp","transport":"streamable-http"}"#, "name must be"),
        (#"{"name":"a","url":"ftp://x/mcp","transport":"streamable-http"}"#, "url must be"),
        (#"{"name":"a","url":"/mcp","transport":"streamable-http"}"#, "url must be"),
        (#"{"name":"a","url":"http://x/mcp","transport":"sse"}"#, "transport must be"),
        (#"{"name":"a","url":"http://x/mcp"}"#, "transport is required"),
        (#"{"name":1,"url":"http://x/mcp","transport":"streamable-http"}"#, "name must be a string"),
        ("not json", "the body must be a JSON object"),
    ])
    func badRegistrationsNameTheField(body: String, message: String) async throws {
        try await withTAIS { tais in
            let reply = try await tais.send(.post, "/api/v2/tools-service/tools", token: try tais.token(), body: body)
            #expect(reply.status == .badRequest)
            #expect(reply.error == "invalid_request")
            #expect((reply.json["message"] as? String)?.hasPrefix(message) == true, "\(reply.text)")
        }
    }

    @Test func sessionsAreTenantScopedAndPatchChecksToolIDs() async throws {
        try await withTAIS { tais in
            let acme = try tais.token(), globex = try tais.token(tenant: "globex", user: "gus")
            let mine = try #require(try await tais.registerTool(acme).json["id"] as? String)
            let theirs = try #require(try await tais.registerTool(globex).json["id"] as? String)
            let session = try await tais.createSession(acme, body: #"{"title":"Q","budgetCredits":5}"#)
            let read = try await tais.send(.get, "/api/v2/sessions-service/\(session)", token: acme)
            #expect(read.json["budgetCredits"] as? Double == 5)
            #expect(read.json["userId"] as? String == "ada")
            // Another tenant: 404, never 403.
            #expect(try await tais.send(.get, "/api/v2/sessions-service/\(session)", token: globex).status == .notFound)
            #expect(try await tais.send(.patch, "/api/v2/sessions-service/\(session)", token: globex, body: #"{"toolIds":[]}"#).status == .notFound)
            let invalid = try await tais.send(.patch, "/api/v2/sessions-service/\(session)", token: acme, body: #"{"toolIds":["\#(mine)","\#(theirs)","tool_nope"]}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.error == "invalid_tool_ids")
            #expect(invalid.json["invalidToolIds"] as? [String] == [theirs, "tool_nope"])
            let patched = try await tais.send(.patch, "/api/v2/sessions-service/\(session)", token: acme, body: #"{"toolIds":["\#(mine)"],"budgetCredits":null}"#)
            #expect(patched.status == .ok)
            #expect(patched.json["toolIds"] as? [String] == [mine])
            #expect(patched.json["budgetCredits"] == nil)
            tais.clock.advance(by: 3601)
            let expired = try await tais.send(.patch, "/api/v2/sessions-service/\(session)", token: acme, body: #"{"toolIds":["\#(mine)"]}"#)
            #expect(expired.status == .unprocessableContent)
            #expect(expired.json["invalidToolIds"] as? [String] == [mine])
        }
    }

    @Test func everyAPIRouteNeedsAToken() async throws {
        try await withTAIS { tais in
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v2/tools-service/tools"), (.post, "/api/v2/sessions-service"),
                (.get, "/api/v2/sessions-service/ses_x/messages"), (.get, "/api/v1/organizations/acme/ai-credits/summary"),
            ] {
                let reply = try await tais.send(method, path, body: method == .post ? "{}" : nil)
                #expect(reply.status == .unauthorized, "\(path)")
                #expect(reply.error == "unauthorized")
                #expect(reply.json["message"] as? String == "missing bearer token")
            }
            let wrong = try await tais.send(.get, "/api/v2/tools-service/tools", token: "not.a.jwt")
            #expect(wrong.status == .unauthorized)
        }
    }
}
