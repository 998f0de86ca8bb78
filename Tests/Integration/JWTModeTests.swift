import Foundation
import JWTKit
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// credits-mcp with `MCP_AUTH=jwt`, as a real process, verifying tokens against a JWKS served by another
    /// real process (`JWKSHostProcess`). Everything goes through `/mcp`.
    @Suite("MCP_AUTH=jwt")
    struct JWTMode {
        static let key = ES256PrivateKey()
        static let foreignKey = ES256PrivateKey()
        static let kid = "tais-it-1"

        static func jwk(_ key: ES256PrivateKey = key, kid: String = kid, alg: Bool = true) -> String {
            let point = key.publicKey.parameters!
            return #"{"kty":"EC","crv":"P-256","use":"sig",\#(alg ? #""alg":"ES256","# : "")"kid":"\#(kid)","x":"\#(point.x)","y":"\#(point.y)"}"#
        }

        static var jwks: String { #"{"keys":["# + jwk() + "]}" }

        /// The contract's TAIS claims.
        struct Claims: JWTPayload {
            var iss = "fake-tais"
            var aud = "tais"
            var sub = "user-1"
            var email = "ada@example.test"
            var tenant_id: String
            var groups: [String]
            var iat = Int(Date().timeIntervalSince1970)
            var exp: Int

            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }

        static func claims(tenant: String = CreditFixture.tenantA, groups: [String] = ["Administrators"], expiresIn: Int = 600) -> Claims {
            Claims(tenant_id: tenant, groups: groups, exp: Int(Date().timeIntervalSince1970) + expiresIn)
        }

        /// An ES256 token signed with `key` under `kid`; `alg` overrides the header's algorithm only.
        static func token(
            _ claims: Claims = claims(), key: ES256PrivateKey = key, kid: String = kid, alg: String? = nil
        ) async throws -> String {
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
            var header = JWTHeader()
            if let alg { header.alg = alg }
            return try await keys.sign(claims, kid: JWKIdentifier(string: kid), header: header)
        }

        /// An HS256 token whose HMAC secret is `secret` (the key-confusion attack uses the public key).
        static func hmacToken(_ claims: Claims = claims(), secret: String) async throws -> String {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
        }

        static func unsignedToken(_ claims: Claims = claims()) async throws -> String {
            let keys = JWTKeyCollection()
            await keys.addUnsecuredNone(kid: JWKIdentifier(string: kid))
            return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
        }

        /// Runs `body` with a JWKS host and a stack whose credits-mcp runs in JWT mode against it.
        static func withJWTStack(
            jwks: String = jwks, environment: [String: String] = [:], _ body: (StackUnderTest) async throws -> Void
        ) async throws {
            try await JWKSHostProcess.with(jwks: jwks) { host in
                var options = StackUnderTest.Options()
                options.mcpEnvironment = ["MCP_AUTH": "jwt", "TAIS_JWKS_URL": host.jwksURL].merging(environment) { $1 }
                try await StackUnderTest.with(options) { stack in
                    do {
                        try await body(stack)
                    } catch {
                        Issue.record("\(error)\n\(stack.logTail())")
                        throw error
                    }
                }
            }
        }

        /// An initialized session sending `Authorization: Bearer <token>` and `headers` on every request.
        static func client(_ stack: StackUnderTest, token: String, headers: [String: String] = [:]) async throws -> MCPHTTPClient {
            let client = MCPHTTPClient(
                endpoint: stack.mcpEndpoint, headers: headers.merging(["Authorization": "Bearer \(token)"]) { $1 }, requester: stack.http
            )
            try await client.initialize(clientName: "jwt-mode-tests")
            return client
        }

        static let initializeBody = Array(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"jwt-mode-tests","version":"1"}}}"#.utf8)

        /// A bare `initialize` POST with `headers`.
        static func initialize(_ stack: StackUnderTest, headers: [(String, String)]) async throws -> HTTPReply {
            try await stack.http.send(
                .POST, stack.mcpEndpoint,
                headers: [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")] + headers,
                body: initializeBody
            )
        }

        /// HTTP 401 with `WWW-Authenticate: Bearer …` and a JSON error whose text starts with `prefix`.
        static func expectUnauthorized(_ reply: HTTPReply, _ prefix: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(reply.status == 401, "\(what): HTTP \(reply.status) \(reply.text.prefix(300))", sourceLocation: sourceLocation)
            let challenge = reply.header("WWW-Authenticate") ?? ""
            #expect(challenge.hasPrefix("Bearer"), "\(what): WWW-Authenticate is \"\(challenge)\"", sourceLocation: sourceLocation)
            let message = (try? reply.json())?["error"]?.stringValue ?? ""
            #expect(message.hasPrefix(prefix), "\(what): error is \"\(message)\", expected \"\(prefix)…\"", sourceLocation: sourceLocation)
        }

        static let forgedIdentity = [
            "x-credits-mcp-verified-tenant": CreditFixture.tenantB,
            "X-Credits-MCP-Verified-Groups": "Administrators",
            "x-credits-mcp-verified-user": "mallory",
            "x-credits-mcp-verified-identity": #"{"tenant":"tenant-b","user":"mallory","groups":["Administrators"]}"#,
        ]

        @Test("Forged x-credits-mcp-verified-* headers never change the caller: A's data or a refusal, never B's")
        func forgedIdentityHeadersAreIgnored() async throws {
            let fixture = CreditFixture()
            try await Self.withJWTStack { stack in
                try await stack.control.ingest(fixture.events)
                try await stack.control.clearRequests()
                let totalB = CreditFixture.specsB.reduce(0) { $0 + $1.credits }

                // A's administrator, with B's identity forged on every request, then again on the call itself.
                let client = try await Self.client(stack, token: try await Self.token(), headers: Self.forgedIdentity)
                for extra in [[:], Self.forgedIdentity] {
                    let result = try await client.callTool("get_credit_usage_by_tenant", stringArguments: fixture.rangeArguments, headers: extra)
                    if !result.isError {
                        #expect(MarkdownAnswer(result.text).rows == [[CreditFixture.tenantA, creditsText(fixture.expectedTotal)]], "\(result.text)")
                    }
                    expectNoForeignData(result.text, sheet: nil, markers: fixture.foreignMarkers + [creditsText(totalB)])
                }

                // A non-administrator of A forging the Administrators group is still refused, without an OpenMeter call.
                let before = try await stack.control.requests().total
                let reader = try await Self.client(stack, token: try await Self.token(Self.claims(groups: ["Users"])), headers: Self.forgedIdentity)
                let refused = try await reader.callTool("get_credit_usage_by_tenant", stringArguments: fixture.rangeArguments)
                #expect(refused.isError && refused.text.contains("administrators only"), "\(refused)")
                #expect(try await stack.control.requests().total == before, "OpenMeter was called for a refused caller")

                // Every OpenMeter request was for tenant A.
                let journal = try await stack.control.requests()
                #expect(journal.total >= 1)
                for entry in journal.entries {
                    let query = entry.query.removingPercentEncoding ?? entry.query
                    #expect(query.contains(CreditFixture.tenantA) && !query.contains(CreditFixture.tenantB), "\(entry.path)?\(query)")
                }
            }
        }

        @Test("A missing, expired, tampered or foreign-signed token is HTTP 401 with WWW-Authenticate: Bearer")
        func badTokensAre401() async throws {
            try await Self.withJWTStack { stack in
                let valid = try await Self.token()
                let parts = valid.split(separator: ".").map(String.init)
                let forB = try await Self.token(Self.claims(tenant: CreditFixture.tenantB)).split(separator: ".").map(String.init)
                let tampered = [parts[0], forB[1], parts[2]].joined(separator: ".")
                let cases: [(String, [(String, String)], String)] = [
                    ("no Authorization", [], "missing bearer token"),
                    ("empty bearer", [("Authorization", "Bearer ")], "missing bearer token"),
                    ("Basic credentials", [("Authorization", "Basic dXNlcjpwYXNz")], "missing bearer token"),
                    ("expired 1 h ago", [("Authorization", "Bearer \(try await Self.token(Self.claims(expiresIn: -3600)))")], "invalid token: expired"),
                    ("payload swapped to tenant B", [("Authorization", "Bearer \(tampered)")], "invalid token: signature does not verify"),
                    ("signed by another key", [("Authorization", "Bearer \(try await Self.token(key: Self.foreignKey))")], "invalid token: signature does not verify"),
                    ("unknown kid", [("Authorization", "Bearer \(try await Self.token(key: Self.foreignKey, kid: "other"))")], "invalid token: unknown key other"),
                    ("not a JWT", [("Authorization", "Bearer not-a-jwt")], "invalid token: malformed"),
                ]
                for (what, headers, prefix) in cases {
                    Self.expectUnauthorized(try await Self.initialize(stack, headers: headers), prefix, what)
                }

                // The same on a request of an open session: the token is checked on every request.
                let client = try await Self.client(stack, token: valid)
                let call = Array(#"{"jsonrpc":"2.0","id":9,"method":"tools/list"}"#.utf8)
                let expired = try await Self.token(Self.claims(expiresIn: -3600))
                Self.expectUnauthorized(try await client.post(raw: call, headers: ["Authorization": "Bearer \(expired)"]), "invalid token: expired", "expired, in a session")
                Self.expectUnauthorized(try await client.post(raw: call, headers: ["Authorization": "Bearer \(tampered)"]), "invalid token: signature", "tampered, in a session")
                #expect(try await client.listTools().count == 3, "the valid token still works")
            }
        }

        @Test("alg none, HS256 signed with the public key, and an ES256 signature under another alg are HTTP 401")
        func algorithmConfusionIs401() async throws {
            try await Self.withJWTStack { stack in
                var cases: [(String, String)] = [
                    ("alg none", try await Self.unsignedToken()),
                    ("alg RS256 over an ES256 signature", try await Self.token(alg: "RS256")),
                    ("alg ES384 over an ES256 signature", try await Self.token(alg: "ES384")),
                ]
                for (form, secret) in [("PEM", Self.key.publicKey.pemRepresentation), ("JWK", Self.jwk()), ("JWKS", Self.jwks)] {
                    cases.append(("HS256 with the public key's \(form) as secret", try await Self.hmacToken(secret: secret)))
                }
                for (what, token) in cases {
                    Self.expectUnauthorized(try await Self.initialize(stack, headers: [("Authorization", "Bearer \(token)")]), "invalid token: unsupported algorithm", what)
                }
            }
        }

        @Test("A JWKS key without \"alg\":\"ES256\" is not trusted")
        func jwkWithoutAlgIsNotTrusted() async throws {
            try await Self.withJWTStack(jwks: #"{"keys":["# + Self.jwk(alg: false) + "]}") { stack in
                let reply = try await Self.initialize(stack, headers: [("Authorization", "Bearer \(try await Self.token())")])
                Self.expectUnauthorized(reply, "invalid token: unknown key \(Self.kid)", "JWK without alg")
            }
        }

        @Test("X-Tenant-Id naming another tenant than the token's is HTTP 403; the same tenant is fine")
        func tenantHeaderMismatchIs403() async throws {
            try await Self.withJWTStack { stack in
                let token = try await Self.token()
                let mismatch = try await Self.initialize(stack, headers: [("Authorization", "Bearer \(token)"), ("X-Tenant-Id", CreditFixture.tenantB)])
                #expect(mismatch.status == 403, "HTTP \(mismatch.status) \(mismatch.text.prefix(300))")
                #expect((try? mismatch.json())?["error"]?.stringValue == "X-Tenant-Id does not match the token's tenant", "\(mismatch.text)")
                let same = try await Self.initialize(stack, headers: [("Authorization", "Bearer \(token)"), ("X-Tenant-Id", CreditFixture.tenantA)])
                #expect(same.status == 200, "HTTP \(same.status) \(same.text.prefix(300))")
            }
        }

        @Test("groups is the token's array: [\"Readers,Administrators\"] is refused, [\"Administrators\"] allowed")
        func groupsAreTheTokensArray() async throws {
            let fixture = CreditFixture()
            try await Self.withJWTStack { stack in
                try await stack.control.ingest(fixture.events)
                for groups in [["Readers,Administrators"], ["Readers, Administrators"], ["Administrators-Readonly"]] {
                    let client = try await Self.client(stack, token: try await Self.token(Self.claims(groups: groups)))
                    let result = try await client.callTool("get_credit_usage_by_tenant", stringArguments: fixture.rangeArguments)
                    #expect(result.isError && result.text.contains("administrators only"), "groups \(groups): \(result)")
                    #expect(!result.text.contains(creditsText(fixture.expectedTotal)), "groups \(groups): \(result)")
                }
                for groups in [["Administrators"], ["Readers", "Administrators"]] {
                    let client = try await Self.client(stack, token: try await Self.token(Self.claims(groups: groups)))
                    let result = try await client.callTool("get_credit_usage_by_tenant", stringArguments: fixture.rangeArguments)
                    #expect(!result.isError, "groups \(groups): \(result)")
                    #expect(MarkdownAnswer(result.text).rows == [[CreditFixture.tenantA, creditsText(fixture.expectedTotal)]], "groups \(groups): \(result.text)")
                }
            }
        }

        @Test("TAIS_JWT_LEEWAY_SECONDS: a token 5 s past exp passes with the default 60 s, not with 0")
        func leewaySettingReachesTheVerifier() async throws {
            let lateToken = try await Self.token(Self.claims(expiresIn: -5))
            try await Self.withJWTStack { stack in
                let reply = try await Self.initialize(stack, headers: [("Authorization", "Bearer \(lateToken)")])
                #expect(reply.status == 200, "HTTP \(reply.status) \(reply.text.prefix(300))")
            }
            try await Self.withJWTStack(environment: ["TAIS_JWT_LEEWAY_SECONDS": "0"]) { stack in
                Self.expectUnauthorized(try await Self.initialize(stack, headers: [("Authorization", "Bearer \(lateToken)")]), "invalid token: expired", "leeway 0")
            }
        }

        @Test("An unreachable JWKS is HTTP 503 naming no internal URL, not a 401 that would discard a good token")
        func unreachableJWKSIs503WithoutTheURL() async throws {
            var options = StackUnderTest.Options()
            // Port 1 on the loopback: nothing listens there.
            options.mcpEnvironment = ["MCP_AUTH": "jwt", "TAIS_JWKS_URL": "http://127.0.0.1:1/.well-known/jwks.json"]
            let token = try await Self.token()
            try await StackUnderTest.with(options) { stack in
                let reply = try await Self.initialize(stack, headers: [("Authorization", "Bearer \(token)")])
                #expect(reply.status == 503, "HTTP \(reply.status) \(reply.text)")
                #expect(reply.header("WWW-Authenticate") == nil)
                for fragment in ["127.0.0.1", ":1/", "jwks.json", "http"] {
                    #expect(!reply.text.contains(fragment), "the answer names \(fragment): \(reply.text)")
                }
                #expect(stack.mcp.log.contains("127.0.0.1:1/.well-known/jwks.json"), "the log keeps the JWKS URL")
            }
        }
    }
}
