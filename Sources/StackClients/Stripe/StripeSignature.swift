import Crypto
import Foundation

/// Stripe's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>` where
/// `v1 = HMAC-SHA256(key: the whole "whsec_…" secret, message: "<t>.<raw body>")`.
/// fake-stripe signs with it; fake-tais (like the official SDKs' `construct_event`) verifies with it.
public enum StripeSignature {
    /// The header value for `payload` signed at `timestamp`.
    public static func header(payload: some Collection<UInt8>, secret: String, timestamp: Int) -> String {
        "t=\(timestamp),v1=\(signature(payload: payload, secret: secret, timestamp: timestamp))"
    }

    /// The lowercase hex `v1` signature.
    public static func signature(payload: some Collection<UInt8>, secret: String, timestamp: Int) -> String {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: payload)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public enum Rejection: Error, Equatable, CustomStringConvertible, Sendable {
        case missingHeader
        case malformedHeader
        case noSignatureMatches
        case timestampOutsideTolerance(age: Int)

        public var description: String {
            switch self {
            case .missingHeader: "no Stripe-Signature header"
            case .malformedHeader: "Stripe-Signature has no t= timestamp or no v1= signature"
            case .noSignatureMatches: "no v1 signature matches the payload"
            case .timestampOutsideTolerance(let age): "the signature timestamp is \(age) s away from now, more than the tolerance"
            }
        }
    }

    /// Checks `header` against `payload` the way Stripe's SDKs do: any `v1` entry may match (secrets
    /// being rolled send two), compared in constant time, and `t` within `tolerance` seconds of `now`.
    /// Returns the signed timestamp.
    @discardableResult
    public static func verify(
        payload: some Collection<UInt8>, header: String?, secret: String, tolerance: Int = 300, now: Int
    ) throws(Rejection) -> Int {
        guard let header, !header.isEmpty else { throw .missingHeader }
        var timestamp: Int?
        var candidates: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = pair[0].trimmingCharacters(in: .whitespaces), value = pair[1].trimmingCharacters(in: .whitespaces)
            if name == "t" { timestamp = Int(value) }
            if name == "v1" { candidates.append(value) }
        }
        guard let timestamp, !candidates.isEmpty else { throw .malformedHeader }
        let expected = Array(signature(payload: payload, secret: secret, timestamp: timestamp).utf8)
        guard candidates.contains(where: { constantTimeEqual(Array($0.utf8), expected) }) else { throw .noSignatureMatches }
        let age = now - timestamp
        // The SDKs only refuse old timestamps; a far-future one is refused too, so a forged clock cannot replay forever.
        guard abs(age) <= tolerance else { throw .timestampOutsideTolerance(age: age) }
        return timestamp
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
