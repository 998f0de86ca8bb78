import Foundation
import Hummingbird
import StackHTTP

/// The secret-key check of every `/v1` route: `Authorization: Bearer sk_test_…`, or Basic with the key as
/// user name (what curl's `-u sk_test_…:` sends). Only test-mode keys are served; with `STRIPE_API_KEY`
/// set, only that one. The key is never logged; messages show it masked as Stripe does.
struct StripeAuthenticator: Sendable {
    let requiredKey: String?

    func apiKey(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization]?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
            throw Self.unauthorized(
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
            )
        }
        let key = Self.key(fromAuthorization: header) ?? ""
        guard !key.isEmpty else {
            throw Self.unauthorized("Invalid API Key provided: \(Self.masked(header))")
        }
        if key.hasPrefix("sk_live_") || key.hasPrefix("rk_live_") {
            throw Self.unauthorized("Invalid API Key provided: \(Self.masked(key)). fake-stripe serves test mode only: use an sk_test_ key.")
        }
        guard key.hasPrefix("sk_test_"), key.count > "sk_test_".count, requiredKey.map({ $0 == key }) ?? true else {
            throw Self.unauthorized("Invalid API Key provided: \(Self.masked(key))")
        }
        return key
    }

    /// The key of `Bearer KEY` or `Basic base64(KEY:)`; nil for another scheme.
    static func key(fromAuthorization header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "bearer": return value
        case "basic":
            guard let data = Data(base64Encoded: value), let text = String(data: data, encoding: .utf8) else { return nil }
            return String(text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        default: return nil
        }
    }

    /// `sk_test_****abcd`: the prefix and the last four, as Stripe shows a key in its messages.
    static func masked(_ key: String) -> String {
        let prefix = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"].first(where: key.hasPrefix) ?? ""
        return prefix + "****" + String(key.suffix(4))
    }

    static func unauthorized(_ message: String) -> HTTPFailure {
        StripeError.failure(
            .unauthorized, type: "invalid_request_error", message: message,
            headers: [.wwwAuthenticate: #"Bearer realm="Stripe""#]
        )
    }
}
