import Foundation
import Testing
@testable import StackSupervisor

@Suite("Registration: JWT decoding and renewal delay")
struct RegistrationJWTTests {
    static func part(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func token(_ payload: String, header: String = #"{"alg":"ES256","typ":"JWT"}"#) -> String {
        part(header) + "." + part(payload) + ".c2lnbmF0dXJl"
    }

    static func message(_ jwt: String, _ claims: ClaimNames = ClaimNames()) -> String? {
        do {
            _ = try JWTIdentity.decode(jwt, claims: claims)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func decodesTheDefaultClaims() throws {
        let jwt = Self.token(#"{"iss":"fake-tais","sub":"ada","tenant_id":"acme","groups":["Administrators"],"roles":["Owner"],"iat":1773843936,"exp":1773847536}"#)
        let identity = try JWTIdentity.decode(jwt, claims: ClaimNames())
        #expect(identity.tenant == "acme")
        #expect(identity.user == "ada")
        #expect(identity.groups == ["Administrators"])
        #expect(identity.roles == ["Owner"])
        #expect(identity.expiresAt == Date(timeIntervalSince1970: 1_773_847_536))
        #expect(identity.issuedAt == Date(timeIntervalSince1970: 1_773_843_936))
    }

    @Test func decodesCustomClaimNames() throws {
        var claims = ClaimNames()
        claims.tenant = "https://example.com/org"
        claims.user = "email"
        claims.groups = "cognito:groups"
        claims.roles = "app_roles"
        // A payload whose base64url needs '-' or '_' and no padding.
        let jwt = Self.token(#"{"https://example.com/org":"globex","email":"bob@globex.test","cognito:groups":["Finance","Admins"],"app_roles":[],"sub":"ignored","tenant_id":"ignored","x":"??>>"}"#)
        let identity = try JWTIdentity.decode(jwt, claims: claims)
        #expect(identity == JWTIdentity(tenant: "globex", user: "bob@globex.test", groups: ["Finance", "Admins"], roles: []))
    }

    @Test func missingGroupsAndRolesAreEmptyAndPaddingIsAccepted() throws {
        let payload = Data(#"{"sub":"u","tenant_id":"t"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let jwt = Self.part("{}") + "." + payload + ".sig"
        let identity = try JWTIdentity.decode(" \(jwt)\n", claims: ClaimNames())
        #expect(identity.groups.isEmpty && identity.roles.isEmpty && identity.expiresAt == nil)
    }

    @Test func malformedTokensSayWhatIsWrong() {
        let good = #"{"sub":"ada","tenant_id":"acme"}"#
        #expect(Self.message("") == "the token is empty")
        #expect(Self.message("abc")?.contains("expected three dot-separated parts (header.payload.signature), found 1") == true)
        #expect(Self.message("a.b.c.d")?.contains("found 4") == true)
        #expect(Self.message(Self.part("{}") + ".%%%." + "sig") == "the JWT payload is not valid base64url")
        #expect(Self.message("!!." + Self.part(good) + ".sig") == "the JWT header is not valid base64url")
        #expect(Self.message(Self.part("{}") + "..sig") == "the JWT payload is empty")
        #expect(Self.message(Self.part("{}") + "." + Self.part("not json") + ".sig")?.hasPrefix("the JWT payload is not JSON") == true)
        #expect(Self.message(Self.part("[]") + "." + Self.part(good) + ".sig") == "the JWT header is not a JSON object")
        #expect(Self.message(Self.token("[1,2]")) == "the JWT payload is not a JSON object")

        let noTenant = Self.message(Self.token(#"{"sub":"ada"}"#))
        #expect(noTenant?.contains(#"no "tenant_id" claim (the tenant)"#) == true, "\(noTenant ?? "")")
        var claims = ClaimNames()
        claims.tenant = "org"
        #expect(Self.message(Self.token(good), claims)?.contains(#"no "org" claim"#) == true)
        #expect(Self.message(Self.token(#"{"sub":"ada","tenant_id":42}"#)) == #"the JWT's "tenant_id" claim (the tenant) must be a string, found a number"#)
        #expect(Self.message(Self.token(#"{"sub":"ada","tenant_id":""}"#)) == #"the JWT's "tenant_id" claim (the tenant) is empty"#)
        #expect(Self.message(Self.token(#"{"tenant_id":"acme"}"#))?.contains(#"no "sub" claim (the user)"#) == true)
        #expect(Self.message(Self.token(#"{"sub":"ada","tenant_id":"acme","groups":"Administrators"}"#))
            == #"the JWT's "groups" claim must be an array of strings, found a string"#)
        #expect(Self.message(Self.token(#"{"sub":"ada","tenant_id":"acme","roles":["Owner",7]}"#))
            == #"the JWT's "roles" claim must be an array of strings, found an element that is a number"#)
        #expect(Self.message(Self.token(#"{"sub":"ada","tenant_id":"acme","exp":"tomorrow"}"#))
            == #"the JWT's "exp" claim must be a number of seconds since 1970, found a string"#)
    }

    @Test func errorsNeverEchoTheToken() {
        let jwt = Self.token(#"{"sub":"ada","secret":"hunter2"}"#)
        let text = Self.message(jwt) ?? ""
        #expect(!text.contains(jwt) && !text.contains("hunter2"))
    }

    // MARK: - renewalDelay

    @Test(arguments: [
        // lifetime, fraction, jitter, random, expected
        (3600.0, 0.8, 0.1, 0.0, 2592.0),
        (3600.0, 0.8, 0.1, 0.5, 2880.0),
        (3600.0, 0.8, 0.1, 0.999, 3167.424),
        (3600.0, 0.8, 0.0, 0.0, 2880.0),
        (3600.0, 0.8, 0.0, 0.999, 2880.0),
        (60.0, 0.5, 0.2, 0.0, 24.0),
        (60.0, 0.5, 0.2, 0.5, 30.0),
        (3600.0, 1.0, 0.1, 0.999, 3600.0),   // never past the lifetime
        (3600.0, 0.8, 2.0, 0.0, 0.0),        // never negative
        (3600.0, 0.8, 2.0, 0.999, 3600.0),
        (0.0, 0.8, 0.1, 0.5, 0.0),
        (-5.0, 0.8, 0.1, 0.5, 0.0),
    ])
    func renewalDelayBounds(lifetime: Double, fraction: Double, jitter: Double, random: Double, expected: Double) {
        let delay = renewalDelay(lifetimeSeconds: lifetime, fraction: fraction, jitter: jitter, random: random)
        #expect(abs(delay - expected) < 1e-6, "delay \(delay), expected \(expected)")
        #expect(delay >= 0 && delay <= max(lifetime, 0))
    }

    @Test func renewalDelayIsMonotonicInRandomAndWithinTheJitterBand() {
        var previous = -1.0
        for step in 0..<100 {
            let random = Double(step) / 100
            let delay = renewalDelay(lifetimeSeconds: 1000, fraction: 0.8, jitter: 0.1, random: random)
            #expect(delay >= 720 && delay < 880)
            #expect(delay > previous)
            previous = delay
        }
    }
}
