import Foundation
import Hummingbird

/// The billing page's browser session. The cookie holds the TAIS JWT itself: no server-side session
/// store, so a restart keeps the user signed in and the token's own `exp` ends the session. Beside it,
/// a random CSRF token for the double-submit check of the buy form.
enum SessionCookie {
    static let session = "tais_session"
    static let csrf = "tais_csrf"

    /// Lax, so the top-level GET back from Stripe's pay page still carries it; HttpOnly, so no script reads the JWT.
    static func sessionHeader(token: String, maxAge: Int) -> String {
        "\(session)=\(token); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax"
    }

    /// Strict, so a form posted from another site never carries it and cannot echo it. The page
    /// copies the value into the form itself, so no script needs it either (HttpOnly).
    static func csrfHeader(_ value: String, maxAge: Int) -> String {
        "\(csrf)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
    }

    /// Removes a stale session cookie (an expired or refused token).
    static let clearSessionHeader = "\(session)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"

    /// The first cookie of that name; nil when absent or empty.
    static func value(_ name: String, in request: Request) -> String? {
        guard let value = request.cookies[name]?.value, !value.isEmpty else { return nil }
        return value
    }

    /// The token's remaining lifetime in whole seconds, at least 1 (the cookie dies with the token).
    static func maxAge(until expiry: Date, now: Date) -> Int {
        let seconds = expiry.timeIntervalSince(now).rounded(.down)
        return seconds.isFinite ? max(1, Int(min(seconds, Double(Int32.max)))) : 1
    }

    // MARK: CSRF

    /// 32 random bytes as 64 lower-case hex digits (`SystemRandomNumberGenerator` is the OS's CSPRNG).
    static func newCSRFToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(64)
        for _ in 0..<32 {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }

    /// Only a value this service could have minted is trusted (it is echoed into the page).
    static func isCSRFToken(_ value: String) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Equal, in time independent of where they differ.
    static func csrfMatches(form: String?, cookie: String?) -> Bool {
        guard let form, let cookie, isCSRFToken(cookie) else { return false }
        let a = Array(form.utf8), b = Array(cookie.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
