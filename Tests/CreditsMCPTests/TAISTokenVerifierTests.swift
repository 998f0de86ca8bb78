import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import Synchronization
import Testing
@testable import CreditsMCP

/// `TAISTokenVerifier` against a JWKS served by an in-process HTTP server, with tokens signed by jwt-kit.
/// The contract's TAIS JWT: ES256, `iss:"fake-tais"`, `aud:"tais"`, `sub`, `tenant_id`, `groups`, `exp`.
@Suite struct TAISTokenVerifierTests {
    static let taisKey = ES256PrivateKey()
    static let foreignKey = ES256PrivateKey()
    static let rotatedKey = ES256PrivateKey()

    /// The claims a token carries; nil leaves a claim out.
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

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Signs `claims` with `key`, naming `kid` in the header.
    static func sign(_ claims: TokenClaims = TokenClaims(), key: ES256PrivateKey = taisKey, kid: String = "k1") async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }

    /// A JWKS document with the public halves of `keys`.
    static func jwks(_ keys: [(kid: String, key: ES256PrivateKey)], withAlg: Bool = true) -> String {
        let entries = keys.map { entry -> String in
            let point = entry.key.publicKey.parameters!
            let alg = withAlg ? #""alg":"ES256","# : ""
            return #"{"kty":"EC","crv":"P-256","use":"sig",\#(alg)"kid":"\#(entry.kid)","x":"\#(point.x)","y":"\#(point.y)"}"#
        }
        return #"{"keys":["# + entries.joined(separator: ",") + "]}"
    }

    static var taisJWKS: String { jwks([("k1", taisKey)]) }

    /// The JWKS endpoint's answer, changeable while the server runs, and how often it was fetched.
    final class JWKSHost: Sendable {
        private let state: Mutex<(status: Int, body: String, fetches: Int)>

        init(body: String) { state = Mutex((200, body, 0)) }

        func serve(status: Int = 200, body: String) { state.withLock { $0.status = status; $0.body = body } }
        var fetches: Int { state.withLock { $0.fetches } }

        func respond() -> Response {
            let (status, body) = state.withLock { state in
                state.fetches += 1
                return (state.status, state.body)
            }
            return Response(
                status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body))
            )
        }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "tais-token-verifier-tests")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` with a live JWKS server (port chosen by the system) and a verifier pointed at it.
    static func withJWKS(
        _ document: String = taisJWKS, _ body: @Sendable (TAISTokenVerifier, JWKSHost, String) async throws -> Void
    ) async throws {
        let host = JWKSHost(body: document)
        let router = Router()
        router.get("/.well-known/jwks.json") { _, _ in host.respond() }
        let app = Application(router: router, logger: quietLogger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let url = "http://localhost:\(port)/.well-known/jwks.json"
            let verifier = TAISTokenVerifier(jwksURL: url, issuer: "fake-tais", audience: "tais", logger: quietLogger)
            try await body(verifier, host, url)
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

    static func identity(_ result: Result<TAISTokenVerifier.Verified, AccessDenied>) -> [String]? {
        if case .success(let verified) = result { return [verified.tenant, verified.groups.joined(separator: ","), verified.user] }
        return nil
    }

    // MARK: accepted

    @Test func validTokenGivesTenantGroupsAndUser() async throws {
        try await Self.withJWKS { verifier, _, _ in
            let result = await Self.outcome(verifier, try await Self.sign())
            #expect(Self.identity(result) == ["acme", "Users,Administrators", "user-1"], "\(result)")
        }
    }

    @Test func audienceListThatIncludesTaisIsAccepted() async throws {
        try await Self.withJWKS { verifier, _, _ in
            var claims = TokenClaims()
            claims.aud = AudienceClaim(value: ["billing", "tais"])
            let result = await Self.outcome(verifier, try await Self.sign(claims))
            #expect(Self.identity(result)?.first == "acme", "\(result)")
        }
    }

    @Test func missingGroupsAreNoGroups() async throws {
        try await Self.withJWKS { verifier, _, _ in
            var claims = TokenClaims()
            claims.groups = nil
            claims.tenant_id = " beta "
            let result = await Self.outcome(verifier, try await Self.sign(claims))
            #expect(Self.identity(result) == ["beta", "", "user-1"], "\(result)")
        }
    }

    @Test func jwkWithoutAlgStillVerifiesES256() async throws {
        try await Self.withJWKS(Self.jwks([("k1", Self.taisKey)], withAlg: false)) { verifier, _, _ in
            let result = await Self.outcome(verifier, try await Self.sign())
            #expect(Self.identity(result)?.first == "acme", "\(result)")
        }
    }

    @Test func keysAreFetchedOnceAndReused() async throws {
        try await Self.withJWKS { verifier, host, _ in
            #expect(host.fetches == 0)
            for _ in 0..<3 {
                let token = try await Self.sign()
                #expect(Self.identity(await Self.outcome(verifier, token)) != nil)
            }
            #expect(host.fetches == 1)
        }
    }

    @Test func secondKeyOfTheSetIsFoundByKid() async throws {
        try await Self.withJWKS(Self.jwks([("k1", Self.taisKey), ("k2", Self.rotatedKey)])) { verifier, _, _ in
            let first = await Self.outcome(verifier, try await Self.sign(key: Self.taisKey, kid: "k1"))
            #expect(Self.identity(first)?.first == "acme", "\(first)")
            let second = await Self.outcome(verifier, try await Self.sign(key: Self.rotatedKey, kid: "k2"))
            #expect(Self.identity(second)?.first == "acme", "\(second)")
        }
    }

    // MARK: rejected

    @Test func expiredTokenIsRejected() async throws {
        try await Self.withJWKS { verifier, _, _ in
            var claims = TokenClaims()
            claims.exp = ExpirationClaim(value: Date().addingTimeInterval(-120))
            let result = await Self.outcome(verifier, try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: expired or not yet valid", "\(result)")
        }
    }

    @Test func missingExpIsRejected() async throws {
        try await Self.withJWKS { verifier, _, _ in
            var claims = TokenClaims()
            claims.exp = nil
            let result = await Self.outcome(verifier, try await Self.sign(claims))
            // Refused; the reason given is "expired or not yet valid" because the decoding error mentions "exp".
            #expect(Self.denial(result)?.hasPrefix("invalid token: ") == true, "\(result)")
        }
    }

    @Test(arguments: ["billing", "TAIS", "tais "])
    func wrongAudienceIsRejected(audience: String) async throws {
        try await Self.withJWKS { verifier, _, _ in
            var claims = TokenClaims()
            claims.aud = AudienceClaim(value: audience)
            let result = await Self.outcome(verifier, try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: audience is not tais", "\(result)")
        }
    }

    @Test func missingAudienceIsRejected() async throws {
        try await Self.withJWKS { verifier, _, _ in
            var claims = TokenClaims()
            claims.aud = nil
            let result = await Self.outcome(verifier, try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: not a valid TAIS JWT", "\(result)")
        }
    }

    @Test(arguments: ["evil-tais", "Fake-TAIS", ""])
    func wrongIssuerIsRejected(issuer: String) async throws {
        try await Self.withJWKS { verifier, _, _ in
            var claims = TokenClaims()
            claims.iss = issuer
            let result = await Self.outcome(verifier, try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: issuer \(issuer) is not fake-tais", "\(result)")
        }
    }

    @Test func missingIssuerIsRejected() async throws {
        try await Self.withJWKS { verifier, _, _ in
            var claims = TokenClaims()
            claims.iss = nil
            let result = await Self.outcome(verifier, try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: not a valid TAIS JWT", "\(result)")
        }
    }

    @Test(arguments: ["k1", "k9"])
    func foreignKeyIsRejected(kid: String) async throws {
        try await Self.withJWKS { verifier, _, _ in
            // Same claims, signed by a key the JWKS does not hold: under the JWKS key's kid, and under an unknown one.
            let result = await Self.outcome(verifier, try await Self.sign(key: Self.foreignKey, kid: kid))
            #expect(Self.denial(result) == "invalid token: signature does not verify", "\(result)")
        }
    }

    @Test func algNoneIsRejected() async throws {
        try await Self.withJWKS { verifier, _, _ in
            let unsigned = JWTKeyCollection()
            await unsigned.addUnsecuredNone(kid: JWKIdentifier(string: "k1"))
            let token = try await unsigned.sign(TokenClaims(), kid: JWKIdentifier(string: "k1"))
            #expect(token.hasSuffix("."))
            let result = await Self.outcome(verifier, token)
            #expect(Self.denial(result) == "invalid token: not a valid TAIS JWT", "\(result)")
            // Hand-made too: alg none, no kid, empty signature.
            let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64URL
            let payload = Data(#"{"iss":"fake-tais","aud":"tais","sub":"u","tenant_id":"acme","groups":["Administrators"],"exp":4102444800}"#.utf8).base64URL
            let bare = await Self.outcome(verifier, header + "." + payload + ".")
            #expect(Self.denial(bare)?.hasPrefix("invalid token: ") == true, "\(bare)")
        }
    }

    @Test func hmacSignedTokenIsRejected() async throws {
        try await Self.withJWKS { verifier, _, _ in
            let hmac = JWTKeyCollection()
            await hmac.add(hmac: HMACKey(from: "a shared secret of at least 32 bytes!"), digestAlgorithm: .sha256, kid: JWKIdentifier(string: "k1"))
            let token = try await hmac.sign(TokenClaims(), kid: JWKIdentifier(string: "k1"))
            let result = await Self.outcome(verifier, token)
            #expect(Self.denial(result)?.hasPrefix("invalid token: ") == true, "\(result)")
        }
    }

    @Test func tamperedPayloadIsRejected() async throws {
        try await Self.withJWKS { verifier, _, _ in
            let parts = try await Self.sign().split(separator: ".").map(String.init)
            try #require(parts.count == 3)
            var claims = TokenClaims()
            claims.tenant_id = "beta"
            let forged = try await Self.sign(claims, key: Self.foreignKey).split(separator: ".").map(String.init)
            let result = await Self.outcome(verifier, [parts[0], forged[1], parts[2]].joined(separator: "."))
            #expect(Self.denial(result) == "invalid token: signature does not verify", "\(result)")
        }
    }

    @Test func blankTenantIsRejected() async throws {
        try await Self.withJWKS { verifier, _, _ in
            var claims = TokenClaims()
            claims.tenant_id = "  "
            let result = await Self.outcome(verifier, try await Self.sign(claims))
            #expect(Self.denial(result) == "invalid token: no tenant_id claim", "\(result)")
            claims.tenant_id = nil
            let missing = await Self.outcome(verifier, try await Self.sign(claims))
            #expect(Self.denial(missing) == "invalid token: not a valid TAIS JWT", "\(missing)")
        }
    }

    @Test(arguments: ["", "not-a-jwt", "a.b.c", "..."])
    func garbageIsRejected(token: String) async throws {
        try await Self.withJWKS { verifier, _, _ in
            let result = await Self.outcome(verifier, token)
            #expect(Self.denial(result)?.hasPrefix("invalid token: ") == true, "\(result)")
        }
    }

    // MARK: the JWKS endpoint

    /// "Keys are fetched on first use and again when a token names an unknown key (at most every 30 s), so a TAIS key
    /// rotation is picked up without a restart." Waits out the 30 s throttle.
    @Test func rotatedKeyIsPickedUpAfterTheThrottle() async throws {
        try await Self.withJWKS { verifier, host, _ in
            #expect(Self.identity(await Self.outcome(verifier, try await Self.sign())) != nil)
            #expect(host.fetches == 1)
            // TAIS publishes a second key and signs with it.
            host.serve(body: Self.jwks([("k1", Self.taisKey), ("k2", Self.rotatedKey)]))
            let token = try await Self.sign(key: Self.rotatedKey, kid: "k2")
            try await Task.sleep(for: .seconds(31))
            let result = await Self.outcome(verifier, token)
            #expect(Self.identity(result)?.first == "acme", "\(result)")
            #expect(host.fetches == 2)
        }
    }

    @Test func jwksErrorStatusIsReportedThenRetried() async throws {
        try await Self.withJWKS { verifier, host, url in
            host.serve(status: 500, body: "{}")
            let failed = await Self.outcome(verifier, try await Self.sign())
            #expect(Self.denial(failed) == "cannot verify tokens: the JWKS at \(url) answered HTTP 500", "\(failed)")
            // A TAIS outage at start-up does not stick: the next call fetches again.
            host.serve(body: Self.taisJWKS)
            let recovered = await Self.outcome(verifier, try await Self.sign())
            #expect(Self.identity(recovered)?.first == "acme", "\(recovered)")
            #expect(host.fetches == 2)
        }
    }

    @Test func invalidJWKSIsReported() async throws {
        try await Self.withJWKS("<html>not a key set</html>") { verifier, _, url in
            let result = await Self.outcome(verifier, try await Self.sign())
            #expect(Self.denial(result) == "cannot verify tokens: the JWKS at \(url) is invalid", "\(result)")
        }
    }

    @Test func unreachableJWKSIsReported() async throws {
        // Port 1 on the loopback: nothing listens there.
        let url = "http://127.0.0.1:1/.well-known/jwks.json"
        let verifier = TAISTokenVerifier(jwksURL: url, issuer: "fake-tais", audience: "tais", logger: Self.quietLogger)
        let result = await Self.outcome(verifier, try await Self.sign())
        #expect(Self.denial(result) == "cannot verify tokens: the JWKS at \(url) is unreachable", "\(result)")
    }
}

private extension Data {
    /// Base64url without padding, as JWT segments are written.
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
