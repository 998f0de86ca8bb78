import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import StackConfig
import Synchronization
import Testing
@testable import CreditsMCP

/// `TAISTokenVerifier` against a JWKS served by an in-process HTTP server, with tokens signed by jwt-kit.
/// The contract's TAIS JWT: ES256, `iss:"fake-tais"`, `aud:"tais"`, `sub`, `tenant_id`, `groups`, `exp`.
/// Time is a `TestClock` that tests move; nothing sleeps for an expiry or a cache lifetime.
@Suite struct TAISTokenVerifierTests {
    static let taisKey = ES256PrivateKey()
    static let foreignKey = ES256PrivateKey()
    static let rotatedKey = ES256PrivateKey()

    /// The claims a token carries; nil leaves a claim out. Times are relative to the real clock, which the
    /// test clock starts at.
    struct TokenClaims: JWTPayload {
        var iss: String? = "fake-tais"
        var aud: AudienceClaim? = AudienceClaim(value: "tais")
        var sub: String? = "user-1"
        var email: String? = "ada@acme.example"
        var name: String? = "Ada"
        var tenant_id: String? = "acme"
        var groups: [String]? = ["Users", "Administrators"]
        var roles: [String]? = ["Owner"]
        var iat: Int? = Int(Date().timeIntervalSince1970)
        var exp: ExpirationClaim? = ExpirationClaim(value: Date().addingTimeInterval(600))
        var nbf: NotBeforeClaim?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Signs `claims` with `key`, naming `kid` in the header (nil: no kid); `alg` overrides the header's
    /// algorithm while the signature stays ES256.
    static func sign(
        _ claims: TokenClaims = TokenClaims(), key: ES256PrivateKey = taisKey, kid: String? = "k1", alg: String? = nil
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: kid.map { JWKIdentifier(string: $0) })
        var header = JWTHeader()
        if let alg { header.alg = alg }
        return try await keys.sign(claims, kid: kid.map { JWKIdentifier(string: $0) }, header: header)
    }

    /// A JWKS document with the public halves of `keys`.
    static func jwks(_ keys: [(kid: String, key: ES256PrivateKey)], withAlg: Bool = true) -> String {
        "{\"keys\":[" + keys.map { jwk($0.kid, $0.key, alg: withAlg ? "ES256" : nil) }.joined(separator: ",") + "]}"
    }

    static func jwk(_ kid: String, _ key: ES256PrivateKey, alg: String? = "ES256", extra: String = "") -> String {
        let point = key.publicKey.parameters!
        let alg = alg.map { #""alg":"\#($0)","# } ?? ""
        return #"{"kty":"EC","crv":"P-256","use":"sig",\#(alg)\#(extra)"kid":"\#(kid)","x":"\#(point.x)","y":"\#(point.y)"}"#
    }

    static var taisJWKS: String { jwks([("k1", taisKey)]) }

    /// Wall and monotonic time, both moved by `advance`.
    final class TestClock: VerifierClock {
        private let state: Mutex<(wall: Date, uptime: Duration)>

        init(now: Date = Date()) { state = Mutex((now, .seconds(1000))) }

        func now() -> Date { state.withLock { $0.wall } }
        func uptime() -> Duration { state.withLock { $0.uptime } }

        func advance(seconds: Double) {
            state.withLock { state in
                state.wall.addTimeInterval(seconds)
                state.uptime += .milliseconds(Int64(seconds * 1000))
            }
        }
    }

    /// The JWKS endpoint's answer, changeable while the server runs, and how often it was fetched.
    final class JWKSHost: Sendable {
        private let state: Mutex<(status: Int, body: String, cacheControl: String?, delay: Duration, fetches: Int)>

        init(body: String) { state = Mutex((200, body, nil, .zero, 0)) }

        func serve(status: Int = 200, body: String) { state.withLock { $0.status = status; $0.body = body } }
        func serve(cacheControl: String?) { state.withLock { $0.cacheControl = cacheControl } }
        func serve(delay: Duration) { state.withLock { $0.delay = delay } }
        var fetches: Int { state.withLock { $0.fetches } }

        func respond() async throws -> Response {
            let (status, body, cacheControl, delay) = state.withLock { state in
                state.fetches += 1
                return (state.status, state.body, state.cacheControl, state.delay)
            }
            if delay > .zero { try await Task.sleep(for: delay) }
            var headers: HTTPFields = [.contentType: "application/json"]
            if let cacheControl { headers[.cacheControl] = cacheControl }
            return Response(
                status: HTTPResponse.Status(code: status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: body))
            )
        }
    }

    /// What a test works with: the verifier, its JWKS server and URL, and its clock.
    struct Harness: Sendable {
        let verifier: TAISTokenVerifier
        let host: JWKSHost
        let url: String
        let clock: TestClock

        func outcome(_ token: String) async -> Result<TAISTokenVerifier.Verified, AccessDenied> {
            await TAISTokenVerifierTests.outcome(verifier, token)
        }

        /// Whether a token signed with `key` under `kid`, valid for 10 minutes from the test clock's now, is accepted.
        func acceptsTAISToken(key: ES256PrivateKey = TAISTokenVerifierTests.taisKey, kid: String = "k1") async -> Bool {
            var claims = TokenClaims()
            claims.exp = ExpirationClaim(value: clock.now().addingTimeInterval(600))
            do {
                return TAISTokenVerifierTests.identity(await outcome(try await TAISTokenVerifierTests.sign(claims, key: key, kid: kid))) != nil
            } catch {
                Issue.record("cannot sign: \(error)")
                return false
            }
        }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "tais-token-verifier-tests")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` with a live JWKS server (port chosen by the system) and a verifier pointed at it.
    static func withJWKS(
        _ document: String = taisJWKS, leeway: TimeInterval = 60, _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        let host = JWKSHost(body: document)
        let router = Router()
        router.get("/.well-known/jwks.json") { _, _ in try await host.respond() }
        let app = Application(router: router, logger: quietLogger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let url = "http://localhost:\(port)/.well-known/jwks.json"
            let clock = TestClock()
            let verifier = TAISTokenVerifier(jwksURL: url, issuer: "fake-tais", audience: "tais", leeway: leeway, clock: clock, logger: quietLogger)
            try await body(Harness(verifier: verifier, host: host, url: url, clock: clock))
        }
    }

    static func outcome(_ verifier: TAISTokenVerifier, _ token: String) async -> Result<TAISTokenVerifier.Verified, AccessDenied> {
        do {
            return .success(try await verifier.verify(token))
        } catch {
            return .failure(error)
        }
    }

    static func denial(_ result: Result<TAISTokenVerifier.Verified, AccessDenied>) -> String? {
        if case .failure(let denied) = result { return denied.message }
        return nil
    }

    /// The log detail of a "keys unavailable" refusal, whose message to the caller names no URL.
    static func unavailable(_ result: Result<TAISTokenVerifier.Verified, AccessDenied>) -> String? {
        guard case .failure(let denied) = result, denied.unavailable, denied.message == AccessDenied.keysUnavailableMessage,
              !denied.message.contains("http") else { return nil }
        return denied.detail
    }

    static func identity(_ result: Result<TAISTokenVerifier.Verified, AccessDenied>) -> [String]? {
        if case .success(let verified) = result { return [verified.tenant, verified.groups.joined(separator: ","), verified.user] }
        return nil
    }

    /// A token with the given raw header and claims JSON and `signature` (base64url) as its third part.
    static func handMade(header: String, claims: String, signature: String = "") -> String {
        Data(header.utf8).base64URL + "." + Data(claims.utf8).base64URL + "." + signature
    }

    static let validClaimsJSON = #"{"iss":"fake-tais","aud":"tais","sub":"u","tenant_id":"acme","groups":["Administrators"],"exp":4102444800}"#

    // MARK: accepted

    @Test func validTokenGivesTenantGroupsAndUser() async throws {
        try await Self.withJWKS { h in
            let result = await h.outcome(try await Self.sign())
            #expect(Self.identity(result) == ["acme", "Users,Administrators", "user-1"], "\(result)")
        }
    }

    /// Groups come through as the array the token holds: an entry with a comma stays one entry.
    @Test func groupsKeepTheirEntries() async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.groups = ["Readers,Administrators", " Users "]
            let result = await h.outcome(try await Self.sign(claims))
            guard case .success(let verified) = result else { Issue.record("\(result)"); return }
            #expect(verified.groups == ["Readers,Administrators", " Users "])
        }
    }

    @Test func audienceListThatIncludesTaisIsAccepted() async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.aud = AudienceClaim(value: ["billing", "tais"])
            let result = await h.outcome(try await Self.sign(claims))
            #expect(Self.identity(result)?.first == "acme", "\(result)")
        }
    }

    @Test func missingGroupsAreNoGroups() async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.groups = nil
            claims.tenant_id = " beta "
            let result = await h.outcome(try await Self.sign(claims))
            #expect(Self.identity(result) == ["beta", "", "user-1"], "\(result)")
        }
    }

    @Test func keysAreFetchedOnceAndReused() async throws {
        try await Self.withJWKS { h in
            #expect(h.host.fetches == 0)
            for _ in 0..<3 {
                #expect(await h.acceptsTAISToken())
                h.clock.advance(seconds: 60)
            }
            #expect(h.host.fetches == 1)
        }
    }

    @Test func secondKeyOfTheSetIsFoundByKid() async throws {
        try await Self.withJWKS(Self.jwks([("k1", Self.taisKey), ("k2", Self.rotatedKey)])) { h in
            #expect(await h.acceptsTAISToken(key: Self.taisKey, kid: "k1"))
            #expect(await h.acceptsTAISToken(key: Self.rotatedKey, kid: "k2"))
        }
    }

    /// A token without `kid` may use the JWKS's only key; with several keys it must name one.
    @Test func tokenWithoutKidNeedsASingleKeySet() async throws {
        try await Self.withJWKS { h in
            let result = await h.outcome(try await Self.sign(kid: nil))
            #expect(Self.identity(result)?.first == "acme", "\(result)")
        }
        try await Self.withJWKS(Self.jwks([("k1", Self.taisKey), ("k2", Self.rotatedKey)])) { h in
            let result = await h.outcome(try await Self.sign(kid: nil))
            #expect(Self.denial(result) == "invalid token: unknown key (the token names no kid and the JWKS has several keys)", "\(result)")
        }
    }

    // MARK: ES256 is pinned

    /// The header says another algorithm while the signature is a valid ES256 one by the TAIS key: refused
    /// before any key is used. (jwt-kit alone ignores the header's alg for a key whose JWK names ES256.)
    @Test(arguments: ["RS256", "HS256", "ES384", "ES512", "PS256", "EdDSA", "none", "es256"])
    func headerAlgorithmOtherThanES256IsRefused(alg: String) async throws {
        try await Self.withJWKS { h in
            let result = await h.outcome(try await Self.sign(alg: alg))
            #expect(Self.denial(result) == "invalid token: unsupported algorithm \(alg) (only ES256 is accepted)", "\(result)")
            #expect(h.host.fetches == 0, "the JWKS was fetched for a token refused on its header")
        }
    }

    @Test func headerWithoutAlgIsRefused() async throws {
        try await Self.withJWKS { h in
            let result = await h.outcome(Self.handMade(header: #"{"typ":"JWT","kid":"k1"}"#, claims: Self.validClaimsJSON, signature: "AAAA"))
            #expect(Self.denial(result) == "invalid token: unsupported algorithm (only ES256 is accepted)", "\(result)")
        }
    }

    @Test func algNoneIsRejected() async throws {
        try await Self.withJWKS { h in
            let unsigned = JWTKeyCollection()
            await unsigned.addUnsecuredNone(kid: JWKIdentifier(string: "k1"))
            let token = try await unsigned.sign(TokenClaims(), kid: JWKIdentifier(string: "k1"))
            #expect(token.hasSuffix("."))
            let result = await h.outcome(token)
            #expect(Self.denial(result) == "invalid token: unsupported algorithm none (only ES256 is accepted)", "\(result)")
            // Hand-made too: alg none, no kid, empty signature.
            let bare = await h.outcome(Self.handMade(header: #"{"alg":"none","typ":"JWT"}"#, claims: Self.validClaimsJSON))
            #expect(Self.denial(bare) == "invalid token: unsupported algorithm none (only ES256 is accepted)", "\(bare)")
        }
    }

    @Test func hmacSignedTokenIsRejected() async throws {
        try await Self.withJWKS { h in
            let hmac = JWTKeyCollection()
            await hmac.add(hmac: HMACKey(from: "a shared secret of at least 32 bytes!"), digestAlgorithm: .sha256, kid: JWKIdentifier(string: "k1"))
            let token = try await hmac.sign(TokenClaims(), kid: JWKIdentifier(string: "k1"))
            let result = await h.outcome(token)
            #expect(Self.denial(result) == "invalid token: unsupported algorithm HS256 (only ES256 is accepted)", "\(result)")
        }
    }

    /// The classic key-confusion attack: HS256 with the server's public key, in every form the server
    /// might hold it, as the HMAC secret. Also against a JWKS whose key has no alg.
    @Test(arguments: [true, false])
    func hs256SignedWithThePublicKeyIsRejected(jwkHasAlg: Bool) async throws {
        let point = Self.taisKey.publicKey.parameters!
        let secrets: [HMACKey] = [
            HMACKey(from: Self.taisKey.publicKey.pemRepresentation),
            HMACKey(from: Self.jwk("k1", Self.taisKey)),
            HMACKey(from: Self.taisJWKS),
            HMACKey(from: point.x + point.y),
        ]
        try await Self.withJWKS(Self.jwks([("k1", Self.taisKey)], withAlg: jwkHasAlg)) { h in
            for secret in secrets {
                let hmac = JWTKeyCollection()
                await hmac.add(hmac: secret, digestAlgorithm: .sha256, kid: JWKIdentifier(string: "k1"))
                let result = await h.outcome(try await hmac.sign(TokenClaims(), kid: JWKIdentifier(string: "k1")))
                #expect(Self.denial(result) == "invalid token: unsupported algorithm HS256 (only ES256 is accepted)", "\(result)")
            }
        }
    }

    /// A JWK that does not say `"alg":"ES256"` is not trusted, even though its key would verify the token.
    @Test func jwkWithoutAlgIsNotTrusted() async throws {
        try await Self.withJWKS(Self.jwks([("k1", Self.taisKey)], withAlg: false)) { h in
            let result = await h.outcome(try await Self.sign())
            #expect(Self.denial(result) == "invalid token: unknown key k1", "\(result)")
        }
    }

    @Test(arguments: ["ES384", "RS256", "HS256", "none", "es256"])
    func jwkWithAnotherAlgIsNotTrusted(alg: String) async throws {
        try await Self.withJWKS("{\"keys\":[\(Self.jwk("k1", Self.taisKey, alg: alg))]}") { h in
            let result = await h.outcome(try await Self.sign())
            #expect(Self.denial(result) == "invalid token: unknown key k1", "\(result)")
        }
    }

    /// Which entries of a JWKS are used: ES256 P-256 signature keys with a kid; the rest is skipped without
    /// making the document invalid.
    @Test func keySetKeepsOnlyES256SignatureKeys() async throws {
        let document = "{\"keys\":[" + [
            Self.jwk("good", Self.taisKey),
            Self.jwk("no-alg", Self.taisKey, alg: nil),
            #"{"kty":"RSA","alg":"RS256","kid":"rsa","n":"AQAB","e":"AQAB"}"#,
            #"{"kty":"oct","alg":"HS256","kid":"oct","k":"c2VjcmV0"}"#,
            Self.jwk("enc", Self.taisKey).replacingOccurrences(of: #""use":"sig""#, with: #""use":"enc""#),
            Self.jwk("ops", Self.taisKey, extra: #""key_ops":["sign"],"#),
            #"{"kty":"EC","crv":"P-256","alg":"ES256","kid":"bad-point","x":"AAAA","y":"AAAA"}"#,
            #"{"kty":"EC","crv":"P-384","alg":"ES256","kid":"p384","x":"AAAA","y":"AAAA"}"#,
            Self.jwk("good", Self.rotatedKey),
            "42",
            #"{"kid":7}"#,
        ].joined(separator: ",") + "]}"
        let set = try await JWKSKeySet.parse(Data(document.utf8))
        #expect(set.kids == ["good"])
        #expect(set.skipped.count == 10, "\(set.skipped)")
        #expect(set.skipped.contains { $0.hasPrefix("kid no-alg: no \"alg\"") }, "\(set.skipped)")
        #expect(set.skipped.contains { $0.hasPrefix("kid good: duplicate kid") }, "\(set.skipped)")
        await #expect(throws: JWKSKeySet.InvalidDocument.self) { try await JWKSKeySet.parse(Data(#"{"keys":{}}"#.utf8)) }
        await #expect(throws: JWKSKeySet.InvalidDocument.self) { try await JWKSKeySet.parse(Data("[]".utf8)) }
    }

    // MARK: exp, nbf and leeway (on the injected clock)

    @Test func expiryFollowsTheInjectedClock() async throws {
        try await Self.withJWKS { h in
            let token = try await Self.sign()  // exp: now + 600 s
            #expect(Self.identity(await h.outcome(token)) != nil)
            h.clock.advance(seconds: 650)  // 50 s past exp: inside the 60 s leeway
            #expect(Self.identity(await h.outcome(token)) != nil)
            h.clock.advance(seconds: 11)  // 61 s past exp
            let result = await h.outcome(token)
            #expect(Self.denial(result) == "invalid token: expired", "\(result)")
        }
    }

    /// Default leeway 60 s: 59 s past `exp` is accepted, 61 s is not; the same either side of `nbf`.
    @Test(arguments: [(-59.0, true), (-61.0, false), (-3600.0, false), (600.0, true)])
    func expWithinTheLeewayIsAccepted(offset: Double, accepted: Bool) async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.exp = ExpirationClaim(value: h.clock.now().addingTimeInterval(offset))
            let result = await h.outcome(try await Self.sign(claims))
            if accepted {
                #expect(Self.identity(result) != nil, "\(result)")
            } else {
                #expect(Self.denial(result) == "invalid token: expired", "\(result)")
            }
        }
    }

    @Test(arguments: [(59.0, true), (61.0, false), (3600.0, false), (-600.0, true)])
    func nbfWithinTheLeewayIsAccepted(offset: Double, accepted: Bool) async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.nbf = NotBeforeClaim(value: h.clock.now().addingTimeInterval(offset))
            claims.exp = ExpirationClaim(value: h.clock.now().addingTimeInterval(7200))
            let result = await h.outcome(try await Self.sign(claims))
            if accepted {
                #expect(Self.identity(result) != nil, "\(result)")
            } else {
                #expect(Self.denial(result) == "invalid token: not yet valid", "\(result)")
            }
        }
    }

    @Test func notYetValidBecomesValidAsTheClockMoves() async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.nbf = NotBeforeClaim(value: h.clock.now().addingTimeInterval(300))
            let token = try await Self.sign(claims)
            #expect(Self.denial(await h.outcome(token)) == "invalid token: not yet valid")
            h.clock.advance(seconds: 241)  // 59 s before nbf
            #expect(Self.identity(await h.outcome(token)) != nil)
        }
    }

    @Test func zeroLeewayIsExact() async throws {
        try await Self.withJWKS(leeway: 0) { h in
            var claims = TokenClaims()
            claims.exp = ExpirationClaim(value: h.clock.now().addingTimeInterval(-1))
            let expired = await h.outcome(try await Self.sign(claims))
            #expect(Self.denial(expired) == "invalid token: expired", "\(expired)")
            claims.exp = ExpirationClaim(value: h.clock.now().addingTimeInterval(1))
            claims.nbf = NotBeforeClaim(value: h.clock.now().addingTimeInterval(1))
            let early = await h.outcome(try await Self.sign(claims))
            #expect(Self.denial(early) == "invalid token: not yet valid", "\(early)")
            claims.nbf = NotBeforeClaim(value: h.clock.now())
            let due = await h.outcome(try await Self.sign(claims))
            #expect(Self.identity(due) != nil, "\(due)")
        }
    }

    @Test func leewaySettingIsReadAndBounded() throws {
        func resolve(_ value: String?) throws -> CreditsMCPConfiguration {
            var values = ["OPENMETER_API_KEY": "k"]
            values["TAIS_JWT_LEEWAY_SECONDS"] = value
            return try CreditsMCPConfiguration.resolve(settings: Settings(values: values))
        }
        #expect(try resolve(nil).jwtLeewaySeconds == 60)
        #expect(try resolve("0").jwtLeewaySeconds == 0)
        #expect(try resolve(" 600 ").jwtLeewaySeconds == 600)
        for bad in ["601", "-1", "1.5", "a minute"] {
            #expect(throws: StartupFailure.self, "\(bad)") { try resolve(bad) }
        }
    }

    // MARK: rejected claims and tokens

    @Test func missingExpIsRejected() async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.exp = nil
            let result = await h.outcome(try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: missing claim exp", "\(result)")
        }
    }

    @Test func claimOfTheWrongTypeIsMalformed() async throws {
        try await Self.withJWKS { h in
            // Signed, so the claims are TAIS's own, but groups is a string.
            struct Odd: JWTPayload {
                var iss = "fake-tais", aud = "tais", sub = "u", tenant_id = "acme", groups = "Administrators"
                var exp = Int(Date().timeIntervalSince1970) + 600
                func verify(using algorithm: some JWTAlgorithm) async throws {}
            }
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: Self.taisKey, kid: JWKIdentifier(string: "k1"))
            let result = await h.outcome(try await keys.sign(Odd(), kid: JWKIdentifier(string: "k1")))
            #expect(Self.denial(result) == "invalid token: malformed (claim groups has the wrong type)", "\(result)")
        }
    }

    @Test(arguments: ["billing", "TAIS", "tais "])
    func wrongAudienceIsRejected(audience: String) async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.aud = AudienceClaim(value: audience)
            let result = await h.outcome(try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: audience is not tais", "\(result)")
        }
    }

    @Test func missingAudienceIsRejected() async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.aud = nil
            let result = await h.outcome(try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: missing claim aud", "\(result)")
        }
    }

    @Test(arguments: ["evil-tais", "Fake-TAIS", ""])
    func wrongIssuerIsRejected(issuer: String) async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.iss = issuer
            let result = await h.outcome(try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: issuer \(issuer) is not fake-tais", "\(result)")
        }
    }

    @Test func missingIssuerIsRejected() async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.iss = nil
            let result = await h.outcome(try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: missing claim iss", "\(result)")
        }
    }

    /// Same claims, signed by a key the JWKS does not hold: under the JWKS key's kid it is a bad signature,
    /// under another kid an unknown key.
    @Test(arguments: [("k1", "signature does not verify"), ("k9", "unknown key k9")])
    func foreignKeyIsRejected(kid: String, reason: String) async throws {
        try await Self.withJWKS { h in
            let result = await h.outcome(try await Self.sign(key: Self.foreignKey, kid: kid))
            #expect(Self.denial(result) == "invalid token: \(reason)", "\(result)")
        }
    }

    @Test func tamperedPayloadIsRejected() async throws {
        try await Self.withJWKS { h in
            let parts = try await Self.sign().split(separator: ".").map(String.init)
            try #require(parts.count == 3)
            var claims = TokenClaims()
            claims.tenant_id = "beta"
            let forged = try await Self.sign(claims, key: Self.foreignKey).split(separator: ".").map(String.init)
            let result = await h.outcome([parts[0], forged[1], parts[2]].joined(separator: "."))
            #expect(Self.denial(result) == "invalid token: signature does not verify", "\(result)")
        }
    }

    @Test func blankTenantIsRejected() async throws {
        try await Self.withJWKS { h in
            var claims = TokenClaims()
            claims.tenant_id = "  "
            let result = await h.outcome(try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: no tenant_id claim", "\(result)")
            claims.tenant_id = nil
            let missing = await h.outcome(try await Self.sign(claims))
            #expect(Self.denial(missing) == "invalid token: missing claim tenant_id", "\(missing)")
        }
    }

    @Test(arguments: [
        ("", "missing bearer token: send Authorization: Bearer <TAIS JWT>"),
        ("not-a-jwt", "invalid token: malformed (a JWT has three dot-separated parts)"),
        ("a.b.c.d", "invalid token: malformed (a JWT has three dot-separated parts)"),
        ("a.b.c", "invalid token: malformed (the header is not base64url-encoded JSON)"),
        ("...", "invalid token: malformed (a JWT has three dot-separated parts)"),
        ("..", "invalid token: malformed (the header is not base64url-encoded JSON)"),
        ("W10.e30.AAAA", "invalid token: malformed (the header is not base64url-encoded JSON)"),
        ("eyJhbGciOiJFUzI1NiJ9.e30=.AAAA", "invalid token: malformed (the claims are not base64url-encoded)"),
        ("eyJhbGciOiJFUzI1NiJ9.e30.", "invalid token: malformed (the signature is not base64url-encoded)"),
        ("eyJhbGciOiJFUzI1NiJ9.e30.AA+A", "invalid token: malformed (the signature is not base64url-encoded)"),
    ])
    func garbageIsRejected(token: String, message: String) async throws {
        try await Self.withJWKS { h in
            let result = await h.outcome(token)
            #expect(Self.denial(result) == message, "\(result)")
            #expect(h.host.fetches == 0)
        }
    }

    // MARK: keeping the JWKS fresh

    /// Without `Cache-Control` the keys are used for 5 minutes, then fetched again before a token is verified.
    @Test func keysAreRefreshedEveryFiveMinutesByDefault() async throws {
        try await Self.withJWKS { h in
            #expect(await h.acceptsTAISToken())
            h.clock.advance(seconds: 299)
            #expect(await h.acceptsTAISToken())
            #expect(h.host.fetches == 1)
            h.clock.advance(seconds: 2)
            #expect(await h.acceptsTAISToken())
            #expect(h.host.fetches == 2)
            h.clock.advance(seconds: 299)
            #expect(await h.acceptsTAISToken())
            #expect(h.host.fetches == 2)
        }
    }

    /// `Cache-Control: max-age` sets the lifetime instead; below 10 s (or no-store/no-cache) it counts as 10 s.
    @Test(arguments: [("public, max-age=60", 60.0), ("max-age=3600", 3600.0), ("max-age=2", 10.0), ("no-store", 10.0), ("no-cache, max-age=600", 10.0)])
    func maxAgeSetsTheLifetime(cacheControl: String, lifetime: Double) async throws {
        try await Self.withJWKS { h in
            h.host.serve(cacheControl: cacheControl)
            #expect(await h.acceptsTAISToken())
            h.clock.advance(seconds: lifetime - 1)
            #expect(await h.acceptsTAISToken())
            #expect(h.host.fetches == 1)
            h.clock.advance(seconds: 2)
            #expect(await h.acceptsTAISToken())
            #expect(h.host.fetches == 2)
        }
    }

    @Test func cacheControlParsing() {
        #expect(HTTPJWKSSource.maxAge(cacheControl: "") == nil)
        #expect(HTTPJWKSSource.maxAge(cacheControl: "public") == nil)
        #expect(HTTPJWKSSource.maxAge(cacheControl: "public, Max-Age=120") == 120)
        #expect(HTTPJWKSSource.maxAge(cacheControl: #"max-age="90""#) == 90)
        #expect(HTTPJWKSSource.maxAge(cacheControl: "max-age=-5") == nil)
        #expect(HTTPJWKSSource.maxAge(cacheControl: "s-maxage=10, max-age=30") == 30)
        #expect(HTTPJWKSSource.maxAge(cacheControl: "max-age=30, no-store") == 0)
    }

    /// A key TAIS removed from its JWKS is trusted until the cached set expires, and not after.
    @Test func removedKeyStopsBeingTrustedAfterTheRefresh() async throws {
        try await Self.withJWKS(Self.jwks([("k1", Self.taisKey), ("k2", Self.rotatedKey)])) { h in
            #expect(await h.acceptsTAISToken(key: Self.rotatedKey, kid: "k2"))
            h.host.serve(body: Self.jwks([("k1", Self.taisKey)]))
            h.clock.advance(seconds: 200)
            #expect(await h.acceptsTAISToken(key: Self.rotatedKey, kid: "k2"), "still cached")
            h.clock.advance(seconds: 101)
            var claims = TokenClaims()
            claims.exp = ExpirationClaim(value: h.clock.now().addingTimeInterval(600))
            let result = await h.outcome(try await Self.sign(claims, key: Self.rotatedKey, kid: "k2"))
            #expect(Self.denial(result) == "invalid token: unknown key k2", "\(result)")
            #expect(h.host.fetches == 2)
            #expect(await h.acceptsTAISToken(key: Self.taisKey, kid: "k1"))
        }
    }

    /// An unknown kid (a rotation) fetches the JWKS again, but never within 10 s of the previous fetch.
    @Test func unknownKidRefetchesAtMostEveryTenSeconds() async throws {
        try await Self.withJWKS { h in
            #expect(await h.acceptsTAISToken())
            #expect(h.host.fetches == 1)
            // TAIS publishes a second key and signs with it right away.
            h.host.serve(body: Self.jwks([("k1", Self.taisKey), ("k2", Self.rotatedKey)]))
            h.clock.advance(seconds: 1)
            #expect(await !h.acceptsTAISToken(key: Self.rotatedKey, kid: "k2"), "the JWKS was fetched 1 s ago")
            #expect(h.host.fetches == 1)
            h.clock.advance(seconds: 9.5)
            #expect(await h.acceptsTAISToken(key: Self.rotatedKey, kid: "k2"))
            #expect(h.host.fetches == 2)
            // A flood of unknown kids costs one fetch per 10 s.
            let unknown = try await Self.sign(key: Self.foreignKey, kid: "k3")
            for _ in 0..<5 {
                h.clock.advance(seconds: 1)
                #expect(Self.denial(await h.outcome(unknown)) == "invalid token: unknown key k3")
            }
            #expect(h.host.fetches == 2)
            h.clock.advance(seconds: 5)
            #expect(Self.denial(await h.outcome(unknown)) == "invalid token: unknown key k3")
            #expect(h.host.fetches == 3)
        }
    }

    /// Concurrent first verifications share one fetch.
    @Test func concurrentFirstVerificationsShareOneFetch() async throws {
        try await Self.withJWKS { h in
            h.host.serve(delay: .milliseconds(300))
            let token = try await Self.sign()
            let accepted = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<16 {
                    group.addTask { Self.identity(await h.outcome(token)) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(accepted == 16)
            #expect(h.host.fetches == 1)
        }
    }

    /// The same for a refresh: once the keys expire, concurrent verifications wait for one fetch.
    @Test func concurrentVerificationsShareOneRefresh() async throws {
        try await Self.withJWKS { h in
            #expect(await h.acceptsTAISToken())
            h.host.serve(delay: .milliseconds(300))
            h.clock.advance(seconds: 301)
            let token = try await Self.sign(TokenClaims(exp: ExpirationClaim(value: h.clock.now().addingTimeInterval(600))))
            let accepted = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<16 {
                    group.addTask { Self.identity(await h.outcome(token)) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(accepted == 16)
            #expect(h.host.fetches == 2)
        }
    }

    // MARK: the JWKS endpoint failing

    /// A TAIS outage at start-up does not stick: the next fetch, 10 s later, succeeds.
    @Test func jwksErrorStatusIsReportedThenRetried() async throws {
        try await Self.withJWKS { h in
            h.host.serve(status: 500, body: "{}")
            let failed = await h.outcome(try await Self.sign())
            #expect(Self.unavailable(failed) == "the JWKS at \(h.url) answered HTTP 500", "\(failed)")
            h.host.serve(body: Self.taisJWKS)
            h.clock.advance(seconds: 5)
            let throttled = await h.outcome(try await Self.sign())
            #expect(Self.unavailable(throttled) == "the JWKS at \(h.url) answered HTTP 500", "\(throttled)")
            #expect(h.host.fetches == 1)
            h.clock.advance(seconds: 5)
            let recovered = await h.outcome(try await Self.sign())
            #expect(Self.identity(recovered)?.first == "acme", "\(recovered)")
            #expect(h.host.fetches == 2)
        }
    }

    /// A failed refresh keeps the keys already held for up to an hour, retrying every 10 s at most.
    @Test func failedRefreshKeepsTheKeysForAnHour() async throws {
        try await Self.withJWKS { h in
            #expect(await h.acceptsTAISToken())
            h.host.serve(status: 503, body: "{}")
            h.clock.advance(seconds: 301)
            #expect(await h.acceptsTAISToken(), "stale keys in use")
            #expect(h.host.fetches == 2)
            h.clock.advance(seconds: 5)
            #expect(await h.acceptsTAISToken())
            #expect(h.host.fetches == 2, "no retry within 10 s")
            h.clock.advance(seconds: 3600)
            var claims = TokenClaims()
            claims.exp = ExpirationClaim(value: h.clock.now().addingTimeInterval(600))
            let result = await h.outcome(try await Self.sign(claims))
            #expect(Self.unavailable(result) == "the JWKS at \(h.url) answered HTTP 503", "\(result)")
            #expect(h.host.fetches == 3)
            h.host.serve(body: Self.taisJWKS)
            h.clock.advance(seconds: 10)
            #expect(await h.acceptsTAISToken())
            #expect(h.host.fetches == 4)
        }
    }

    @Test func invalidJWKSIsReported() async throws {
        try await Self.withJWKS("<html>not a key set</html>") { h in
            let result = await h.outcome(try await Self.sign())
            #expect(Self.unavailable(result) == "the JWKS at \(h.url) is invalid", "\(result)")
        }
    }

    @Test func unreachableJWKSIsReported() async throws {
        // Port 1 on the loopback: nothing listens there.
        let url = "http://127.0.0.1:1/.well-known/jwks.json"
        let verifier = TAISTokenVerifier(jwksURL: url, issuer: "fake-tais", audience: "tais", logger: Self.quietLogger)
        let result = await Self.outcome(verifier, try await Self.sign())
        #expect(Self.unavailable(result) == "the JWKS at \(url) is unreachable", "\(result)")
    }
}

private extension Data {
    /// Base64url without padding, as JWT segments are written.
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
