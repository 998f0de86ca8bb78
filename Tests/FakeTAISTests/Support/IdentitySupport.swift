import FakeControls
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import JWTKit
import StackHTTP
import StackStorage
@testable import FakeTAIS

/// Fixtures for the identity tests, in one namespace so other helpers of this target cannot clash with them.
enum IdentityFixtures {
    /// 2026-01-15T10:00:00Z: whole seconds, so `iat` is exactly this instant.
    static let start = Date(timeIntervalSince1970: 1_768_471_200)

    /// A fresh, migrated in-memory database.
    static func memoryDatabase() throws -> any DatabaseWriter {
        try migrated(SQLiteDatabase.open(path: ":memory:"))
    }

    /// A migrated database file at `path` (WAL pool), as fake-tais opens its data file.
    static func fileDatabase(_ path: String) throws -> any DatabaseWriter {
        try migrated(SQLiteDatabase.open(path: path))
    }

    private static func migrated(_ db: any DatabaseWriter) throws -> any DatabaseWriter {
        var migrator = DatabaseMigrator()
        IdentitySchema.register(in: &migrator)
        try migrator.migrate(db)
        return db
    }

    /// A token service over a fresh in-memory database with a clock frozen at `start`.
    static func service(
        clock: FakeClock = FakeClock(mode: .frozen(start)), grace: TimeInterval = 3600, leeway: TimeInterval = 30
    ) throws -> TokenService {
        try TokenService(db: memoryDatabase(), clock: clock, rotationGrace: grace, leeway: leeway)
    }

    /// A temporary folder, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fake-tais-identity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    // MARK: Reading tokens

    /// The decoded header and claims of a JWT, as JSON objects.
    static func parts(_ token: String) throws -> (header: [String: Any], claims: [String: Any]) {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3,
              let header = try JSONSerialization.jsonObject(with: Data(decode(segments[0]))) as? [String: Any],
              let claims = try JSONSerialization.jsonObject(with: Data(decode(segments[1]))) as? [String: Any]
        else { throw FixtureError("not a JWT: \(token)") }
        return (header, claims)
    }

    static func decode(_ segment: Substring) throws -> [UInt8] {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { throw FixtureError("not base64url: \(segment)") }
        return [UInt8](data)
    }

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func encodeJSON(_ object: [String: Any]) throws -> String {
        encode(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// `token` with its claims replaced by `change(claims)`, the header and signature kept.
    static func tampered(_ token: String, _ change: (inout [String: Any]) -> Void) throws -> String {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        var claims = try parts(token).claims
        change(&claims)
        return "\(segments[0]).\(try encodeJSON(claims)).\(segments[2])"
    }

    // MARK: Forging tokens

    /// The claims of a valid token at `start`, for forging variants of it.
    static func validClaims(now: Date = start, ttl: TimeInterval = 600) -> [String: Any] {
        let iat = Int(now.timeIntervalSince1970)
        return [
            "iss": "fake-tais", "aud": "tais", "sub": "ada", "email": "ada@acme.example", "name": "Ada",
            "tenant_id": "acme", "groups": ["Administrators"], "roles": ["Owner"],
            "iat": iat, "nbf": iat, "exp": iat + Int(ttl),
        ]
    }

    /// A token with any header and claims, ES256-signed with the service's active key.
    static func signedByService(_ service: TokenService, header: [String: Any]? = nil, claims: [String: Any]) throws -> String {
        let headerObject = header ?? ["alg": "ES256", "typ": "JWT", "kid": service.activeKid]
        return try service.signWithActiveKey(
            header: [UInt8](JSONSerialization.data(withJSONObject: headerObject, options: [.sortedKeys])),
            payload: [UInt8](JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]))
        )
    }

    /// An unsigned or arbitrarily "signed" token: `header.claims.signature`, signature bytes as given.
    static func forged(header: [String: Any], claims: [String: Any], signature: [UInt8] = []) throws -> String {
        "\(try encodeJSON(header)).\(try encodeJSON(claims)).\(encode(signature))"
    }

    /// The private key of `kid`, read from the database as fake-tais stored it.
    static func storedKey(_ db: any DatabaseReader, kid: String) throws -> ES256PrivateKey {
        guard let pem = try db.read({ try String.fetchOne($0, sql: "SELECT private_pem FROM signing_keys WHERE kid = ?", arguments: [kid]) }) else {
            throw FixtureError("no stored key \(kid)")
        }
        return try ES256PrivateKey(pem: pem)
    }

    /// Claims as jwt-kit signs them: every field optional so a test can leave one out.
    struct Claims: JWTPayload {
        var iss: String? = "fake-tais"
        var aud: AudienceClaim? = AudienceClaim(value: "tais")
        var sub: String? = "ada"
        var email: String? = "ada@acme.example"
        var name: String? = "Ada"
        var tenant_id: String? = "acme"
        var groups: [String]? = ["Administrators"]
        var roles: [String]? = ["Owner"]
        var iat: IssuedAtClaim? = IssuedAtClaim(value: start)
        var nbf: NotBeforeClaim? = NotBeforeClaim(value: start)
        var exp: ExpirationClaim? = ExpirationClaim(value: start.addingTimeInterval(600))

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Signs `claims` with jwt-kit (an independent ES256 implementation), naming `kid` in the header.
    static func signedByJWTKit(_ claims: Claims, key: ES256PrivateKey, kid: String?) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: kid.map { JWKIdentifier(string: $0) })
        return try await keys.sign(claims, kid: kid.map { JWKIdentifier(string: $0) })
    }

    /// An HS256 token whose HMAC secret is `secret` (the public key's PEM or JWK: the algorithm-confusion attack).
    static func signedHS256(_ claims: Claims, secret: String, kid: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }

    // MARK: HTTP

    /// Renders failures as fake-tais does: `{"error":code,"message":detail}`.
    struct ErrorBodyRenderer: ErrorRenderer {
        func render(_ failure: HTTPFailure, for request: Request) -> Response {
            let body = (try? JSONSerialization.data(withJSONObject: ["error": failure.code ?? "error", "message": failure.detail])) ?? Data()
            var headers = failure.headers
            headers[.contentType] = "application/json"
            return Response(status: failure.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    /// The identity routes plus `GET /api/whoami` (the bearer check), as an in-process application.
    static func application(_ tokens: TokenService) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: ErrorMiddleware(renderer: ErrorBodyRenderer()))
        var routes = RouteTable(router: router)
        routes.addIdentityRoutes(tokens: tokens)
        let authenticator = BearerAuthenticator(tokens: tokens)
        routes.get("/api/whoami") { request, _ in
            let identity = try authenticator.identity(request)
            return try JSONResponse.make(["tenant": identity.tenant, "user": identity.user])
        }
        routes.addMethodNotAllowedRoutes()
        return Application(router: router)
    }

    static func json(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw FixtureError("not a JSON object: \(text)")
        }
        return object
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
