import FakeControls
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import StackHTTP
import Testing
@testable import FakeTAIS

/// fake-tais identity (docs/fake-tais.md, "Identity"): minting, verification rules and their exact 401 reasons,
/// the persistent signing key, rotation with grace, the JWKS and the identity routes. Time is a frozen
/// `FakeClock`; tokens are forged with jwt-kit (an independent ES256 implementation) or by hand.
@Suite struct IdentityTests {
    typealias F = IdentityFixtures

    /// Expects `token` to be refused with exactly `reason`.
    func expectRejected(
        _ service: TokenService, _ token: String, _ reason: TokenRejection, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(throws: reason, sourceLocation: sourceLocation) { try service.verify(token) }
    }

    // MARK: Minting and the round trip

    @Test func mintThenVerifyCarriesEveryClaim() throws {
        let service = try F.service()
        let request = MintRequest(
            tenant: "acme", user: "ada", email: "ada@acme.io", name: "Ada Lovelace",
            groups: ["Users", "Administrators"], roles: ["Admin", "Developer"], ttlSeconds: 120
        )
        let minted = try service.mint(request)
        #expect(minted.expiresAt == F.start.addingTimeInterval(120))

        let (header, claims) = try F.parts(minted.token)
        #expect(header["alg"] as? String == "ES256")
        #expect(header["typ"] as? String == "JWT")
        #expect(header["kid"] as? String == service.activeKid)
        #expect(Set(claims.keys) == ["iss", "aud", "sub", "email", "name", "tenant_id", "groups", "roles", "iat", "nbf", "exp"])
        #expect(claims["iss"] as? String == "fake-tais")
        #expect(claims["aud"] as? String == "tais")
        #expect(claims["sub"] as? String == "ada")
        #expect(claims["email"] as? String == "ada@acme.io")
        #expect(claims["name"] as? String == "Ada Lovelace")
        #expect(claims["tenant_id"] as? String == "acme")
        #expect(claims["groups"] as? [String] == ["Users", "Administrators"])
        #expect(claims["roles"] as? [String] == ["Admin", "Developer"])
        #expect(claims["iat"] as? Int == 1_768_471_200)
        #expect(claims["nbf"] as? Int == 1_768_471_200)
        #expect(claims["exp"] as? Int == 1_768_471_320)

        let identity = try service.verify(minted.token)
        #expect(identity == TAISIdentity(
            tenant: "acme", user: "ada", email: "ada@acme.io", name: "Ada Lovelace",
            groups: ["Users", "Administrators"], roles: ["Admin", "Developer"],
            expiresAt: minted.expiresAt, token: minted.token
        ))
    }

    @Test func mintDefaults() throws {
        let service = try F.service()
        let minted = try service.mint(MintRequest(tenant: "acme", user: "ada"))
        let claims = try F.parts(minted.token).claims
        #expect(claims["email"] as? String == "ada@acme.example")
        #expect(claims["name"] as? String == "ada")
        #expect(claims["groups"] as? [String] == ["Administrators"])
        #expect(claims["roles"] as? [String] == ["Owner"])
        #expect(minted.expiresAt == F.start.addingTimeInterval(3600))

        let withAt = try F.parts(service.mint(MintRequest(tenant: "acme", user: "ada@lovelace.dev")).token).claims
        #expect(withAt["email"] as? String == "ada@lovelace.dev")
        #expect(withAt["name"] as? String == "ada@lovelace.dev")

        // Empty arrays are kept: a caller with no roles and no groups.
        let bare = try service.verify(service.mint(MintRequest(tenant: "acme", user: "bob", groups: [], roles: [])).token)
        #expect(bare.groups.isEmpty && bare.roles.isEmpty)
        // The maximum lifetime is allowed.
        let month = try service.mint(MintRequest(tenant: "acme", user: "ada", ttlSeconds: 30 * 86400))
        #expect(month.expiresAt == F.start.addingTimeInterval(30 * 86400))
    }

    @Test(arguments: [
        (MintRequest(tenant: "", user: "ada"), "tenant", "tenant is required"),
        (MintRequest(tenant: "  ", user: "ada"), "tenant", "tenant is required"),
        (MintRequest(tenant: "acme", user: ""), "user", "user is required"),
        (MintRequest(tenant: "acme", user: "ada", email: ""), "email", "email is required"),
        (MintRequest(tenant: "acme", user: "ada", ttlSeconds: 0), "ttlSeconds", "ttlSeconds must be between 1 and 2592000 (30 days)"),
        (MintRequest(tenant: "acme", user: "ada", ttlSeconds: 30 * 86400 + 1), "ttlSeconds", "ttlSeconds must be between 1 and 2592000 (30 days)"),
        (MintRequest(tenant: "acme", user: "ada", groups: ["a", "b,c"]), "groups[1]", "groups[1] must not contain a comma"),
        (MintRequest(tenant: "acme", user: "ada", roles: [""]), "roles[0]", "roles[0] is required"),
        (MintRequest(tenant: "ac\nme", user: "ada"), "tenant", "tenant must not contain control characters"),
    ])
    func mintRefusesBadFields(request: MintRequest, field: String, message: String) throws {
        let service = try F.service()
        #expect(throws: MintRequestError(field: field, message: message)) { try service.mint(request) }
    }

    /// The token verifies with jwt-kit against the published JWKS: the format is interoperable.
    @Test func jwtKitVerifiesMintedTokensWithTheJWKS() async throws {
        let service = try F.service(clock: FakeClock())
        let minted = try service.mint(MintRequest(tenant: "acme", user: "ada"))
        let keys = try await JWTKeyCollection().add(jwksJSON: service.jwks())
        let claims = try await keys.verify(minted.token, as: F.Claims.self)
        #expect(claims.tenant_id == "acme")
        #expect(claims.sub == "ada")
    }

    // MARK: Persistence

    @Test func signingKeySurvivesARestart() throws {
        let directory = try F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tais.sqlite").path
        let clock = FakeClock(mode: .frozen(F.start))

        let first = try TokenService(db: F.fileDatabase(path), clock: clock)
        let token = try first.mint(MintRequest(tenant: "acme", user: "ada")).token
        let kid = first.activeKid

        let second = try TokenService(db: F.fileDatabase(path), clock: clock)
        #expect(second.activeKid == kid)
        #expect(try second.verify(token).user == "ada")
        #expect(second.jwks() == first.jwks())
        let count = try F.fileDatabase(path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM signing_keys") }
        #expect(count == 1)
    }

    @Test func rotationSurvivesARestart() throws {
        let directory = try F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tais.sqlite").path
        let clock = FakeClock(mode: .frozen(F.start))

        let first = try TokenService(db: F.fileDatabase(path), clock: clock)
        let old = try first.mint(MintRequest(tenant: "acme", user: "ada")).token
        let rotation = try first.rotate()

        let second = try TokenService(db: F.fileDatabase(path), clock: clock)
        #expect(second.activeKid == rotation.kid)
        #expect(try second.verify(old).user == "ada")
        clock.advance(by: 3600)
        expectRejected(second, old, .unknownSigningKey)
    }

    @Test func keyIdsAreRandomURLSafeStrings() throws {
        let kids = try (0..<5).map { _ in try F.service().activeKid }
        #expect(Set(kids).count == 5)
        for kid in kids {
            #expect(kid.count == 22)
            #expect(kid.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        }
    }

    // MARK: Signature, issuer, audience

    @Test func tamperedPayloadIsABadSignature() throws {
        let service = try F.service()
        let token = try service.mint(MintRequest(tenant: "acme", user: "ada")).token
        // Verified (and so remembered) first: a changed token is a new one.
        #expect(try service.verify(token).tenant == "acme")
        expectRejected(service, try F.tampered(token) { $0["tenant_id"] = "globex" }, .badSignature)
        expectRejected(service, try F.tampered(token) { $0["roles"] = ["Owner", "Admin"] }, .badSignature)

        // A flipped signature byte, a truncated signature, an empty one.
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        var signature = try F.decode(segments[2])
        signature[10] ^= 0x01
        expectRejected(service, "\(segments[0]).\(segments[1]).\(F.encode(signature))", .badSignature)
        expectRejected(service, "\(segments[0]).\(segments[1]).\(F.encode(signature.prefix(40)))", .badSignature)
        expectRejected(service, "\(segments[0]).\(segments[1]).", .badSignature)
    }

    @Test func tokenOfAnotherKeyUnderAKnownKidIsABadSignature() async throws {
        let service = try F.service()
        let token = try await F.signedByJWTKit(F.Claims(), key: ES256PrivateKey(), kid: service.activeKid)
        expectRejected(service, token, .badSignature)
    }

    @Test func wrongIssuer() async throws {
        let db = try F.memoryDatabase()
        let service = try TokenService(db: db, clock: FakeClock(mode: .frozen(F.start)))
        let key = try F.storedKey(db, kid: service.activeKid)

        // The right key, jwt-kit signing: accepted as is, refused with another or no issuer.
        #expect(try service.verify(await F.signedByJWTKit(F.Claims(), key: key, kid: service.activeKid)).tenant == "acme")
        var claims = F.Claims()
        claims.iss = "real-tais"
        expectRejected(service, try await F.signedByJWTKit(claims, key: key, kid: service.activeKid), .wrongIssuer)
        claims.iss = nil
        expectRejected(service, try await F.signedByJWTKit(claims, key: key, kid: service.activeKid), .wrongIssuer)
    }

    @Test func wrongAudience() async throws {
        let db = try F.memoryDatabase()
        let service = try TokenService(db: db, clock: FakeClock(mode: .frozen(F.start)))
        let key = try F.storedKey(db, kid: service.activeKid)
        var claims = F.Claims()

        claims.aud = AudienceClaim(value: "credits-mcp")
        expectRejected(service, try await F.signedByJWTKit(claims, key: key, kid: service.activeKid), .wrongAudience)
        claims.aud = AudienceClaim(value: ["credits-mcp", "other"])
        expectRejected(service, try await F.signedByJWTKit(claims, key: key, kid: service.activeKid), .wrongAudience)
        claims.aud = nil
        expectRejected(service, try await F.signedByJWTKit(claims, key: key, kid: service.activeKid), .wrongAudience)
        // An array holding "tais" is the audience too.
        claims.aud = AudienceClaim(value: ["credits-mcp", "tais"])
        #expect(try service.verify(await F.signedByJWTKit(claims, key: key, kid: service.activeKid)).user == "ada")
        // Issuer is checked before audience.
        claims.aud = AudienceClaim(value: "other")
        claims.iss = "other"
        expectRejected(service, try await F.signedByJWTKit(claims, key: key, kid: service.activeKid), .wrongIssuer)
    }

    // MARK: Time

    @Test func expiryWithLeeway() throws {
        let clock = FakeClock(mode: .frozen(F.start))
        let service = try F.service(clock: clock, leeway: 30)
        let token = try service.mint(MintRequest(tenant: "acme", user: "ada", ttlSeconds: 60)).token

        clock.set(F.start.addingTimeInterval(60))
        #expect(try service.verify(token).user == "ada")
        clock.set(F.start.addingTimeInterval(89.999))
        #expect(try service.verify(token).user == "ada")
        clock.set(F.start.addingTimeInterval(90))
        expectRejected(service, token, .expired)
        clock.set(F.start.addingTimeInterval(86400))
        expectRejected(service, token, .expired)
    }

    @Test func notYetValidWithLeeway() throws {
        let clock = FakeClock(mode: .frozen(F.start))
        let service = try F.service(clock: clock, leeway: 30)
        let token = try service.mint(MintRequest(tenant: "acme", user: "ada")).token

        clock.set(F.start.addingTimeInterval(-30))
        #expect(try service.verify(token).user == "ada")
        clock.set(F.start.addingTimeInterval(-30.001))
        expectRejected(service, token, .notYetValid)
        clock.set(F.start.addingTimeInterval(-3600))
        expectRejected(service, token, .notYetValid)
    }

    @Test func zeroLeewayIsExact() throws {
        let clock = FakeClock(mode: .frozen(F.start))
        let service = try F.service(clock: clock, leeway: 0)
        let token = try service.mint(MintRequest(tenant: "acme", user: "ada", ttlSeconds: 10)).token
        clock.set(F.start.addingTimeInterval(9.999))
        #expect(try service.verify(token).user == "ada")
        clock.set(F.start.addingTimeInterval(10))
        expectRejected(service, token, .expired)
        clock.set(F.start.addingTimeInterval(-0.001))
        expectRejected(service, token, .notYetValid)
    }

    @Test func expiredIsCheckedAfterAudienceAndBeforeTenant() throws {
        let service = try F.service()
        var claims = F.validClaims(now: F.start.addingTimeInterval(-7200))
        claims["aud"] = "other"
        expectRejected(service, try F.signedByService(service, claims: claims), .wrongAudience)
        claims["aud"] = "tais"
        claims["tenant_id"] = ""
        expectRejected(service, try F.signedByService(service, claims: claims), .expired)
    }

    // MARK: Algorithms

    @Test(arguments: ["none", "None", "NONE", "HS256", "RS256", "ES384", "PS256", "es256", "ES256 ", ""])
    func onlyES256IsAccepted(alg: String) throws {
        let service = try F.service()
        let header: [String: Any] = ["alg": alg, "typ": "JWT", "kid": service.activeKid]
        // Unsigned, random bytes, and even a valid ES256 signature under the other header.
        expectRejected(service, try F.forged(header: header, claims: F.validClaims()), .unsupportedAlgorithm)
        expectRejected(service, try F.forged(header: header, claims: F.validClaims(), signature: Array(repeating: 7, count: 256)), .unsupportedAlgorithm)
        expectRejected(service, try F.signedByService(service, header: header, claims: F.validClaims()), .unsupportedAlgorithm)
    }

    @Test func algorithmIsCheckedBeforeTheKey() throws {
        let service = try F.service()
        for header: [String: Any] in [["alg": "none"], ["alg": "none", "kid": "nope"], ["alg": "RS256", "kid": "nope"], ["kid": service.activeKid], ["alg": 256, "kid": service.activeKid]] {
            expectRejected(service, try F.forged(header: header, claims: F.validClaims()), .unsupportedAlgorithm)
        }
        // `alg: none` with the conventional trailing dot and nothing after it.
        let none = try F.encodeJSON(["alg": "none", "typ": "JWT"]) + "." + F.encodeJSON(F.validClaims()) + "."
        expectRejected(service, none, .unsupportedAlgorithm)
    }

    /// The algorithm-confusion attack: HS256 with the public key (its PEM, or its JWK) as the HMAC secret.
    @Test func hs256SignedWithThePublicKeyIsRefused() async throws {
        let db = try F.memoryDatabase()
        let service = try TokenService(db: db, clock: FakeClock(mode: .frozen(F.start)))
        let kid = service.activeKid
        let publicKey = try F.storedKey(db, kid: kid).publicKey

        let jwks = try F.json(service.jwks())
        let jwk = try #require((jwks["keys"] as? [[String: Any]])?.first)
        let jwkText = String(decoding: try JSONSerialization.data(withJSONObject: jwk, options: [.sortedKeys]), as: UTF8.self)
        let point = try #require(publicKey.parameters)

        for secret in [publicKey.pemRepresentation, publicKey.pemRepresentation.trimmingCharacters(in: .whitespacesAndNewlines), jwkText, point.x + point.y] {
            let token = try await F.signedHS256(F.Claims(), secret: secret, kid: kid)
            #expect(try F.parts(token).header["alg"] as? String == "HS256")
            expectRejected(service, token, .unsupportedAlgorithm)
        }
    }

    // MARK: Keys

    @Test func unknownKid() async throws {
        let service = try F.service()
        let foreign = ES256PrivateKey()
        expectRejected(service, try await F.signedByJWTKit(F.Claims(), key: foreign, kid: "someone-else"), .unknownSigningKey)
        expectRejected(service, try await F.signedByJWTKit(F.Claims(), key: foreign, kid: nil), .unknownSigningKey)
        // A kid that is not a string names no key either.
        expectRejected(service, try F.forged(header: ["alg": "ES256", "kid": 1], claims: F.validClaims(), signature: Array(repeating: 1, count: 64)), .unknownSigningKey)
        // The kid of another service's key.
        let other = try F.service()
        expectRejected(service, try other.mint(MintRequest(tenant: "acme", user: "ada")).token, .unknownSigningKey)
    }

    @Test func rotationKeepsOldTokensForTheGraceThenDropsThem() throws {
        let clock = FakeClock(mode: .frozen(F.start))
        let service = try F.service(clock: clock, grace: 600)
        let oldKid = service.activeKid
        let old = try service.mint(MintRequest(tenant: "acme", user: "ada", ttlSeconds: 86400)).token

        clock.advance(by: 100)
        let rotation = try service.rotate()
        #expect(rotation.previousKid == oldKid)
        #expect(rotation.kid != oldKid)
        #expect(rotation.kid == service.activeKid)
        #expect(rotation.previousValidUntil == F.start.addingTimeInterval(700))

        let new = try service.mint(MintRequest(tenant: "acme", user: "bob", ttlSeconds: 86400)).token
        #expect(try F.parts(new).header["kid"] as? String == rotation.kid)
        #expect(try jwksKids(service) == [rotation.kid, oldKid])
        #expect(try service.verify(old).user == "ada")

        clock.advance(by: 599.999)
        #expect(try service.verify(old).user == "ada")
        #expect(try jwksKids(service) == [rotation.kid, oldKid])

        clock.advance(by: 0.001)
        expectRejected(service, old, .unknownSigningKey)
        #expect(try jwksKids(service) == [rotation.kid])
        #expect(try service.verify(new).user == "bob")
    }

    @Test func rotatingTwiceKeepsBothPreviousKeysInGrace() throws {
        let clock = FakeClock(mode: .frozen(F.start))
        let service = try F.service(clock: clock, grace: 600)
        let first = service.activeKid
        let firstToken = try service.mint(MintRequest(tenant: "acme", user: "ada")).token
        clock.advance(by: 300)
        let second = try service.rotate().kid
        let secondToken = try service.mint(MintRequest(tenant: "acme", user: "ada")).token
        clock.advance(by: 100)
        let third = try service.rotate()
        #expect(third.previousKid == second)
        #expect(try jwksKids(service) == [third.kid, second, first])
        #expect(try service.verify(firstToken).user == "ada")

        clock.advance(by: 500)  // 600 s after the first rotation, 500 s after the second
        #expect(try jwksKids(service) == [third.kid, second])
        expectRejected(service, firstToken, .unknownSigningKey)
        #expect(try service.verify(secondToken).user == "ada")
    }

    @Test func zeroGraceDropsTheOldKeyAtOnce() throws {
        let service = try F.service(grace: 0)
        let old = try service.mint(MintRequest(tenant: "acme", user: "ada")).token
        let rotation = try service.rotate()
        #expect(try jwksKids(service) == [rotation.kid])
        expectRejected(service, old, .unknownSigningKey)
    }

    func jwksKids(_ service: TokenService) throws -> [String] {
        try (F.json(service.jwks())["keys"] as? [[String: Any]] ?? []).compactMap { $0["kid"] as? String }
    }

    @Test func jwksShape() throws {
        let db = try F.memoryDatabase()
        let service = try TokenService(db: db, clock: FakeClock(mode: .frozen(F.start)))
        _ = try service.rotate()
        let document = try F.json(service.jwks())
        #expect(Set(document.keys) == ["keys"])
        let keys = try #require(document["keys"] as? [[String: Any]])
        #expect(keys.count == 2)
        for jwk in keys {
            #expect(Set(jwk.keys) == ["kty", "crv", "use", "alg", "kid", "x", "y"])
            #expect(jwk["kty"] as? String == "EC")
            #expect(jwk["crv"] as? String == "P-256")
            #expect(jwk["use"] as? String == "sig")
            #expect(jwk["alg"] as? String == "ES256")
            let kid = try #require(jwk["kid"] as? String)
            let x = try #require(jwk["x"] as? String)
            let y = try #require(jwk["y"] as? String)
            #expect(try F.decode(Substring(x)).count == 32)
            #expect(try F.decode(Substring(y)).count == 32)
            #expect(!x.contains("=") && !y.contains("="))
            // The coordinates are the stored private key's public point.
            let stored = try F.storedKey(db, kid: kid).publicKey
            #expect(try ES256PublicKey(parameters: (x: x, y: y)) == stored)
        }
    }

    // MARK: Malformed tokens

    @Test func garbageIsMalformed() throws {
        let service = try F.service()
        let valid = try service.mint(MintRequest(tenant: "acme", user: "ada")).token
        let segments = valid.split(separator: ".", omittingEmptySubsequences: false)
        for token in [
            "", "garbage", "a.b", "a.b.c.d", "...", "\(valid).\(segments[2])",
            "!!!.\(segments[1]).\(segments[2])",
            "\(F.encode(Array("not json".utf8))).\(segments[1]).\(segments[2])",
            "\(F.encode(Array("[1,2]".utf8))).\(segments[1]).\(segments[2])",
            "\(segments[0]).\(segments[1]).not*base64",
            "\(segments[0]).\(segments[1]).\(segments[2])=",
        ] {
            expectRejected(service, token, .malformed)
        }
    }

    @Test func signedButMalformedClaims() throws {
        let service = try F.service()
        var cases: [[String: Any]] = []
        for missing in ["sub", "tenant_id", "exp"] {
            var claims = F.validClaims()
            claims[missing] = nil
            cases.append(claims)
        }
        for (key, value) in [("tenant_id", "" as Any), ("tenant_id", "  "), ("tenant_id", 42), ("sub", ""), ("exp", "soon"), ("nbf", "now"),
                             ("groups", "Administrators"), ("roles", [1]), ("email", 5), ("name", ["x"])] {
            var claims = F.validClaims()
            claims[key] = value
            cases.append(claims)
        }
        for claims in cases {
            expectRejected(service, try F.signedByService(service, claims: claims), .malformed)
        }
        // Claims that are not a JSON object, and a critical header extension.
        let notAnObject = try service.signWithActiveKey(header: TokenService.header(kid: service.activeKid), payload: Array("[]".utf8))
        expectRejected(service, notAnObject, .malformed)
        let crit = try F.signedByService(service, header: ["alg": "ES256", "kid": service.activeKid, "crit": ["exp"], "exp": 1], claims: F.validClaims())
        expectRejected(service, crit, .malformed)
    }

    @Test func optionalProfileClaimsMayBeAbsent() throws {
        let service = try F.service()
        var claims = F.validClaims()
        for key in ["email", "name", "groups", "roles", "nbf", "iat"] { claims[key] = nil }
        let identity = try service.verify(F.signedByService(service, claims: claims))
        #expect(identity.email == "" && identity.name == "" && identity.groups == [] && identity.roles == [])
    }

    // MARK: Routes

    @Test func jwksRoute() async throws {
        let service = try F.service()
        try await F.application(service).test(.router) { client in
            let response = try await client.execute(uri: "/.well-known/jwks.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[.cacheControl] == "max-age=300")
            #expect(String(buffer: response.body) == service.jwks())
        }
    }

    @Test func tokenRouteMintsAndTheBearerCheckAcceptsIt() async throws {
        let service = try F.service()
        try await F.application(service).test(.router) { client in
            let response = try await client.execute(
                uri: "/_fake/tokens", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"tenant":"acme","user":"ada","groups":["Users"],"roles":["Developer"],"ttlSeconds":90}"#)
            )
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let body = try F.json(String(buffer: response.body))
            #expect(Set(body.keys) == ["token", "expiresAt"])
            #expect(body["expiresAt"] as? String == "2026-01-15T10:01:30Z")
            let token = try #require(body["token"] as? String)
            let identity = try service.verify(token)
            #expect(identity.groups == ["Users"] && identity.roles == ["Developer"])

            let whoami = try await client.execute(uri: "/api/whoami", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(whoami.status == .ok)
            #expect(try F.json(String(buffer: whoami.body))["tenant"] as? String == "acme")
            let lowercase = try await client.execute(uri: "/api/whoami", method: .get, headers: [.authorization: "bearer  \(token) "])
            #expect(lowercase.status == .ok)
        }
    }

    @Test(arguments: [
        ("", "tenant is required"),
        ("{}", "tenant is required"),
        (#"{"tenant":"acme"}"#, "user is required"),
        (#"{"tenant":"acme","user":null}"#, "user is required"),
        (#"{"tenant":7,"user":"ada"}"#, "tenant must be a string"),
        (#"{"tenant":"acme","user":"ada","ttlSeconds":"soon"}"#, "ttlSeconds must be an integer"),
        (#"{"tenant":"acme","user":"ada","groups":"Users"}"#, "groups must be an array of strings"),
        (#"{"tenant":"acme","user":"ada","groups":["Users",3]}"#, "groups[1] must be a string"),
        (#"{"tenant":"acme","user":"ada","ttlSeconds":0}"#, "ttlSeconds must be between 1 and 2592000 (30 days)"),
        ("[1]", "the body must be a JSON object"),
        ("{", "the body must be a JSON object"),
    ])
    func tokenRouteRefusesBadBodies(body: String, message: String) async throws {
        let service = try F.service()
        try await F.application(service).test(.router) { client in
            let response = try await client.execute(uri: "/_fake/tokens", method: .post, body: ByteBuffer(string: body))
            #expect(response.status == .badRequest)
            let error = try F.json(String(buffer: response.body))
            #expect(error["error"] as? String == "invalid_request")
            #expect(error["message"] as? String == message)
        }
    }

    @Test func rotateRoute() async throws {
        let clock = FakeClock(mode: .frozen(F.start))
        let service = try F.service(clock: clock, grace: 3600)
        let oldKid = service.activeKid
        try await F.application(service).test(.router) { client in
            let response = try await client.execute(uri: "/_fake/keys/rotate", method: .post)
            #expect(response.status == .ok)
            let body = try F.json(String(buffer: response.body))
            #expect(Set(body.keys) == ["kid", "previousKid", "previousValidUntil"])
            #expect(body["kid"] as? String == service.activeKid)
            #expect(body["previousKid"] as? String == oldKid)
            #expect(body["previousValidUntil"] as? String == "2026-01-15T11:00:00Z")
        }
    }

    @Test func bearerCheckReasons() async throws {
        let clock = FakeClock(mode: .frozen(F.start))
        let service = try F.service(clock: clock)
        let token = try service.mint(MintRequest(tenant: "acme", user: "ada", ttlSeconds: 60)).token
        try await F.application(service).test(.router) { client in
            let cases: [(authorization: String?, reason: String)] = [
                (nil, "missing bearer token"),
                ("Bearer", "missing bearer token"),
                ("Bearer   ", "missing bearer token"),
                ("Basic YWRhOnNlY3JldA==", "missing bearer token"),
                ("Bearer garbage", "malformed token"),
                ("Bearer \(token)", "token expired"),
            ]
            clock.advance(by: 3600)
            for (authorization, reason) in cases {
                var headers: HTTPFields = [:]
                if let authorization { headers[.authorization] = authorization }
                let response = try await client.execute(uri: "/api/whoami", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="fake-tais""#)
                let body = try F.json(String(buffer: response.body))
                #expect(body["error"] as? String == "unauthorized")
                #expect(body["message"] as? String == reason, "Authorization: \(authorization ?? "(none)")")
            }
        }
    }

    // Verification speed is measured by tais-bench on a release build, not here.

    @Test func rememberedTokensAreRecheckedForKeyAndTime() throws {
        let clock = FakeClock(mode: .frozen(F.start))
        let service = try F.service(clock: clock, grace: 60, leeway: 0)
        let token = try service.mint(MintRequest(tenant: "acme", user: "ada", ttlSeconds: 100)).token
        #expect(try service.verify(token).user == "ada")
        clock.set(F.start.addingTimeInterval(-1))
        expectRejected(service, token, .notYetValid)
        clock.set(F.start.addingTimeInterval(100))
        expectRejected(service, token, .expired)
        clock.set(F.start)
        _ = try service.rotate()
        #expect(try service.verify(token).user == "ada")
        clock.advance(by: 60)
        expectRejected(service, token, .unknownSigningKey)
        // The full path agrees.
        #expect(throws: TokenRejection.unknownSigningKey) { try service.verifyFully(token) }
    }
}
