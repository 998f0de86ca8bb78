import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// fake-tais's identity on real processes: minted ES256 tokens and their JWKS, refusals of forged tokens,
    /// and key rotation with a grace period, all on fake-tais's clock.
    @Suite("fake-tais identity")
    struct TAISIdentity {
        static let toolsPath = TAISClient.toolsPath

        @Test("A minted token is an ES256 JWT with the contract's claims that verifies against the JWKS")
        func mintedTokens() async throws {
            try await TAISStack.with { stack in
                let jwks = try await stack.tais.jwks()
                let key = try #require(jwks.keys.first)
                #expect(jwks.keys.count == 1, "\(jwks.text)")
                #expect(key.kty == "EC" && key.crv == "P-256" && key.alg == "ES256" && key.use == "sig" && key.kid?.isEmpty == false, "\(key)")
                #expect(jwks.cacheControl?.contains("max-age=300") == true, "Cache-Control: \(jwks.cacheControl ?? "none")")

                let minted = try await stack.tais.mintToken(TAISMintRequest(
                    tenant: TAISStack.tenantA, user: "ada", email: "ada@acme.test", name: "Ada", groups: ["Users", "Administrators"],
                    roles: ["Admin"], ttlSeconds: 600
                ))
                let parts = try TAISTokens.parts(minted.token)
                #expect(parts.header["alg"] as? String == "ES256" && parts.header["kid"] as? String == key.kid, "\(parts.header)")
                let claims = try await TAISTokens.verifiedClaims(minted.token, jwks: jwks.text)
                #expect(claims["iss"] as? String == "fake-tais")
                let audience = claims["aud"] as? String ?? (claims["aud"] as? [String])?.first
                #expect(audience == "tais", "aud \(String(describing: claims["aud"]))")
                #expect(claims["sub"] as? String == "ada" && claims["email"] as? String == "ada@acme.test" && claims["name"] as? String == "Ada")
                #expect(claims["tenant_id"] as? String == TAISStack.tenantA)
                #expect(claims["groups"] as? [String] == ["Users", "Administrators"] && claims["roles"] as? [String] == ["Admin"], "\(claims)")
                let iat = try #require((claims["iat"] as? NSNumber)?.int64Value)
                let exp = try #require((claims["exp"] as? NSNumber)?.int64Value)
                #expect(exp - iat == 600 && claims["nbf"] != nil, "\(claims)")
                #expect(minted.expiresAt.flatMap(RFC3339.parse)?.seconds == exp, "expiresAt \(minted.expiresAt ?? "nil"), exp \(exp)")

                let defaults = try TAISTokens.parts(try await stack.tais.mint(tenant: TAISStack.tenantB, user: "bob")).payload
                #expect(defaults["groups"] as? [String] == ["Administrators"] && defaults["roles"] as? [String] == ["Owner"], "\(defaults)")
                let defaultLife = ((defaults["exp"] as? NSNumber)?.int64Value ?? 0) - ((defaults["iat"] as? NSNumber)?.int64Value ?? 0)
                #expect(defaultLife == 3600)

                #expect(try await stack.tais.withToken(minted.token).listTools().isEmpty)
                let refused = try await stack.tais.send(.POST, "/_fake/tokens", token: .none, json: .object([("user", .string("ada"))]))
                expectTAISReply(refused, 400, "invalid_request", "a mint request without tenant")
            }
        }

        @Test("Missing, malformed, tampered, wrong-audience, alg none, HS256-with-the-public-key, foreign-signed and expired tokens are 401")
        func forgedTokensAre401() async throws {
            try await TAISStack.with { stack in
                let valid = try await stack.tais.mint(tenant: TAISStack.tenantA, user: "ada")
                let shortLived = try await stack.tais.mint(tenant: TAISStack.tenantA, user: "ada", ttlSeconds: 60)
                let jwks = try await stack.tais.jwks()
                let key = try #require(jwks.keys.first)
                let genuine = try TAISTokens.parts(valid)
                let jwkText = String(decoding: try JSONSerialization.data(withJSONObject: [
                    "kty": key.kty, "crv": key.crv ?? "", "x": key.x ?? "", "y": key.y ?? "", "kid": key.kid ?? "",
                ], options: [.sortedKeys]), as: UTF8.self)

                var cases: [(what: String, token: String?, message: String)] = [
                    ("no Authorization", nil, "missing bearer token"),
                    ("not a JWT", "not-a-jwt", "malformed token"),
                    ("payload swapped to another tenant", try TAISTokens.tampered(valid) { $0["tenant_id"] = TAISStack.tenantB }, "bad signature"),
                    ("groups widened", try TAISTokens.tampered(valid) { $0["groups"] = ["Administrators", "Root"] }, "bad signature"),
                    ("audience changed", try TAISTokens.tampered(valid) { $0["aud"] = "other" }, ""),
                    ("alg none", try TAISTokens.unsigned(valid), "unsupported algorithm"),
                    ("HS256 with the public key's PEM", try await TAISTokens.hmacSigned(valid, secret: try TAISTokens.publicKeyPEM(key)), "unsupported algorithm"),
                    ("HS256 with the JWK", try await TAISTokens.hmacSigned(valid, secret: jwkText), "unsupported algorithm"),
                    ("HS256 with the JWKS", try await TAISTokens.hmacSigned(valid, secret: jwks.text), "unsupported algorithm"),
                    ("ES256 by another key under fake-tais's kid", try await TAISTokens.foreignSigned(header: genuine.header, payload: genuine.payload), "bad signature"),
                ]
                var unknownKid = genuine.header
                unknownKid["kid"] = "forged-kid"
                cases.append(("ES256 under an unknown kid", try await TAISTokens.foreignSigned(header: unknownKid, payload: genuine.payload), "unknown signing key"))
                var wrongAudience = genuine.payload
                wrongAudience["aud"] = "not-tais"
                cases.append(("wrong audience, signed by another key", try await TAISTokens.foreignSigned(header: genuine.header, payload: wrongAudience), ""))

                for (what, token, message) in cases {
                    let reply = try await stack.tais.send(.GET, Self.toolsPath, token: token.map(TAISClient.Bearer.token) ?? .none)
                    let body = expectTAISReply(reply, 401, "unauthorized", what)
                    if !message.isEmpty {
                        #expect(body?.message?.contains(message) == true, "\(what): message \(body?.message ?? "none"), expected \(message)")
                    }
                }
                // The refusals hold on every /api route, writes included.
                let forged = try TAISTokens.unsigned(valid)
                let write = try await stack.tais.send(.POST, TAISClient.sessionsPath, token: .token(forged), json: .object([("title", .string("x"))]))
                expectTAISReply(write, 401, "unauthorized", "alg none on POST sessions")

                // Expiry reads fake-tais's clock: past exp plus the 30 s leeway, the 60 s token is refused, the hour-long one is not.
                #expect(try await stack.tais.withToken(shortLived).listTools().isEmpty)
                try await stack.tais.advanceClock(seconds: 60 + 30 + 5)
                let expired = expectTAISReply(try await stack.tais.send(.GET, Self.toolsPath, token: .token(shortLived)), 401, "unauthorized", "expired token")
                #expect(expired?.message?.contains("token expired") == true, "\(String(describing: expired))")
                #expect(try await stack.tais.withToken(valid).listTools().isEmpty)
            }
        }

        @Test("A rotated-out key keeps its tokens valid for TAIS_KEY_GRACE_SECONDS, then leaves the JWKS and they are refused")
        func keyRotationGrace() async throws {
            var options = TAISStack.Options()
            options.taisEnvironment["TAIS_KEY_GRACE_SECONDS"] = "300"
            try await TAISStack.with(options) { stack in
                let setup = try await stack.chatSetup()
                let oldKid = try #require(TAISTokens.parts(setup.caller.token).header["kid"] as? String)

                let rotation = try await stack.tais.rotateKeys()
                #expect(rotation.previousKid == oldKid && rotation.kid != oldKid, "\(rotation)")
                let clockNow = try #require(RFC3339.parse(try await stack.tais.clock().now)?.seconds)
                let validUntil = try #require(rotation.previousValidUntil.flatMap(RFC3339.parse)?.seconds, "\(rotation)")
                #expect(abs(validUntil - (clockNow + 300)) <= 5, "previousValidUntil \(rotation.previousValidUntil ?? "nil"), clock \(clockNow)")
                #expect(Set(try await stack.tais.jwks().keys.compactMap(\.kid)) == [oldKid, rotation.kid])

                let fresh = try await stack.caller(user: "ada")
                #expect(try TAISTokens.parts(fresh.token).header["kid"] as? String == rotation.kid)

                // Within the grace period both tokens work, through fake-tais and through credits-mcp (which verifies
                // the forwarded token against the same JWKS).
                for (what, caller) in [("old key", setup.caller), ("new key", fresh)] {
                    let answer = try await caller.client.sendMessage(setup.session.id, "How many credits did we use?")
                    #expect(answer.toolCalls.first?.isError == false, "\(what): \(answer.content)")
                }
                try await stack.tais.advanceClock(seconds: 240)
                #expect(try await setup.client.listTools().count == 1, "the old key's token within the grace period")

                // Past the grace period the old key is gone and its tokens are refused; the new key's still work.
                try await stack.tais.advanceClock(seconds: 70)
                #expect(try await stack.tais.jwks().keys.compactMap(\.kid) == [rotation.kid])
                let refused = try await stack.tais.send(.GET, Self.toolsPath, token: .token(setup.caller.token))
                let body = expectTAISReply(refused, 401, "unauthorized", "the old key's token after the grace period")
                #expect(body?.message?.contains("unknown signing key") == true, "\(String(describing: body))")
                #expect(try await fresh.client.listTools().count == 1)
            }
        }
    }
}
