import Foundation
import NIOHTTP1
import WireFormats

/// A client of Stripe's v1 wire API (real Stripe in test mode, or fake-stripe) for the calls the stack
/// makes: create, retrieve and expire Checkout Sessions. Secret key by Bearer, form bodies, an
/// `Idempotency-Key` on every POST.
public struct StripeClient: Sendable {
    public let baseURL: String
    let secretKey: String
    let requester: HTTPRequester

    public init(baseURL: String, secretKey: String, requester: HTTPRequester = HTTPRequester(timeout: .seconds(30))) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.secretKey = secretKey
        self.requester = requester
    }

    /// `POST /v1/checkout/sessions` with `parameters` (see `StripeFormEncoder`).
    public func createCheckoutSession(
        _ parameters: [(String, StripeFormEncoder.Value)], idempotencyKey: String = UUID().uuidString
    ) async throws -> StripeCheckoutSession {
        let json = try await call(.POST, "/v1/checkout/sessions", form: parameters, idempotencyKey: idempotencyKey)
        return try StripeCheckoutSession(json: json)
    }

    /// `GET /v1/checkout/sessions/{id}`.
    public func checkoutSession(_ id: String) async throws -> StripeCheckoutSession {
        try StripeCheckoutSession(json: try await call(.GET, "/v1/checkout/sessions/\(Self.pathEscape(id))"))
    }

    /// `POST /v1/checkout/sessions/{id}/expire`.
    public func expireCheckoutSession(_ id: String, idempotencyKey: String = UUID().uuidString) async throws -> StripeCheckoutSession {
        let json = try await call(.POST, "/v1/checkout/sessions/\(Self.pathEscape(id))/expire", form: [], idempotencyKey: idempotencyKey)
        return try StripeCheckoutSession(json: json)
    }

    /// Any call: the answer's JSON on 2xx, `StripeAPIError` otherwise (status 0 when unreachable).
    public func call(
        _ method: HTTPMethod, _ path: String, form: [(String, StripeFormEncoder.Value)]? = nil, idempotencyKey: String? = nil
    ) async throws -> JSONValue {
        var headers = [("Authorization", "Bearer \(secretKey)"), ("Accept", "application/json")]
        var body: [UInt8]?
        if let form {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(StripeFormEncoder.encode(form).utf8)
        }
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        let reply: HTTPReply
        do {
            reply = try await requester.send(method, baseURL + path, headers: headers, body: body)
        } catch {
            throw StripeAPIError(status: 0, type: "api_connection_error", message: "cannot reach Stripe at \(baseURL): \(error)")
        }
        let json = try? JSONParser.parse(reply.body)
        guard (200..<300).contains(reply.status) else {
            let error = json?["error"]
            throw StripeAPIError(
                status: reply.status, type: error?["type"]?.stringValue ?? "api_error", code: error?["code"]?.stringValue,
                message: error?["message"]?.stringValue ?? reply.text.prefix(300).description, param: error?["param"]?.stringValue
            )
        }
        guard let json else {
            throw StripeAPIError(status: reply.status, type: "api_error", message: "Stripe answered with a body that is not JSON")
        }
        return json
    }

    static func pathEscape(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "_-"))) ?? id
    }
}
