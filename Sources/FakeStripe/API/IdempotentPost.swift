import BlockingWork
import Foundation
import HTTPTypes
import Hummingbird
import StackHTTP
import StackStorage
import WireFormats

/// Runs a `/v1` POST under Stripe's idempotency rules: the first request with an `Idempotency-Key` is
/// executed and its answer kept; the same key and parameters replay it (`Idempotent-Replayed: true`);
/// other parameters or another endpoint are 400 `idempotency_error`; a duplicate while the first runs is 409.
/// Answers refused by parameter checks are not kept, so a corrected retry with the same key runs.
struct IdempotentPost: Sendable {
    let context: StripeContext
    static let bodyLimit = 1024 * 1024
    static let keyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    static let originalRequestHeader = HTTPField.Name("Original-Request")!

    func run(
        _ request: Request, apiKey: String, endpoint: String,
        handler: @escaping @Sendable (StripeForm, String?) async throws -> JSONValue
    ) async throws -> Response {
        var response = try await answer(request, apiKey: apiKey, endpoint: endpoint, handler: handler)
        // Stripe echoes the key on every answer to a keyed POST (the SDKs expose it as `idempotency_key`).
        if let key = request.headers[Self.keyHeader], !key.isEmpty { response.headers[Self.keyHeader] = key }
        return response
    }

    private func answer(
        _ request: Request, apiKey: String, endpoint: String,
        handler: @escaping @Sendable (StripeForm, String?) async throws -> JSONValue
    ) async throws -> Response {
        let buffer = try await request.collectBody(limit: Self.bodyLimit)
        let form: StripeForm
        do {
            form = try StripeForm.parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
        } catch {
            throw StripeError.invalidRequest(error.message, param: error.param)
        }
        guard let key = request.headers[Self.keyHeader], !key.isEmpty else {
            return StripeResponse.json(try await handler(form, nil))
        }
        guard key.count <= 255 else {
            throw StripeError.invalidRequest("Idempotency-Key must be at most 255 characters long.", param: "Idempotency-Key")
        }
        let store = context.store, now = context.now, params = form.canonical
        let claim = try await offCooperativePool {
            try store.claim(apiKey: apiKey, key: key, endpoint: endpoint, params: params, now: now)
        }
        switch claim {
        case .replay(let status, let body, let original):
            var response = StripeResponse.raw(body, status: StatusPhrase.status(code: status))
            response.headers[Self.replayedHeader] = "true"
            if let original { response.headers[Self.originalRequestHeader] = original }
            return response
        case .otherEndpoint(let first):
            throw StripeError.idempotency(
                "Keys for idempotent requests can only be used for the same endpoint they were first used for ('\(first)' vs '\(endpoint)'). Try using a key other than '\(key)' if you meant to execute a different request."
            )
        case .otherParameters:
            throw StripeError.idempotency(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '\(key)' if you meant to execute a different request."
            )
        case .inFlight:
            throw StripeError.idempotency(
                "There is currently another in-progress request using this Stripe API key and idempotency key. Please try again later.",
                status: .conflict
            )
        case .claimed:
            let requestId = CurrentRequest.id
            do {
                let json = try await handler(form, key)
                let body = json.bytes
                try await offCooperativePool { try store.complete(apiKey: apiKey, key: key, status: 200, body: body, requestId: requestId) }
                return StripeResponse.raw(body)
            } catch let failure as HTTPFailure where !StripeError.isValidation(failure) && failure.status.code < 500 {
                // The request ran and failed for a reason a replay must repeat (an expired session).
                let (status, body) = StripeErrorRenderer.rendered(failure, for: request)
                try await offCooperativePool {
                    try store.complete(apiKey: apiKey, key: key, status: Int(status.code), body: body, requestId: requestId)
                }
                return StripeResponse.raw(body, status: status)
            } catch {
                try? await offCooperativePool { try store.release(apiKey: apiKey, key: key) }
                throw error
            }
        }
    }
}

/// JSON answers of the Stripe API.
enum StripeResponse {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        raw(value.bytes, status: status)
    }

    static func raw(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
