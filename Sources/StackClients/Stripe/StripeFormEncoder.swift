/// Encodes parameters the way Stripe's SDKs send them: `application/x-www-form-urlencoded` with
/// bracketed keys for nested maps and indexed lists (`line_items[0][price_data][currency]=usd`).
public enum StripeFormEncoder {
    /// A parameter value: text, a nested map (keys kept in order) or a list.
    public indirect enum Value: Sendable, ExpressibleByStringLiteral {
        case text(String)
        case map([(String, Value)])
        case list([Value])

        public init(stringLiteral value: String) { self = .text(value) }
    }

    public static func encode(_ parameters: [(String, Value)]) -> String {
        var pairs: [String] = []
        for (key, value) in parameters { flatten(key, value, into: &pairs) }
        return pairs.joined(separator: "&")
    }

    private static func flatten(_ key: String, _ value: Value, into pairs: inout [String]) {
        switch value {
        case .text(let text): pairs.append(escape(key) + "=" + escape(text))
        case .map(let members): for (name, member) in members { flatten("\(key)[\(name)]", member, into: &pairs) }
        case .list(let items): for (index, item) in items.enumerated() { flatten("\(key)[\(index)]", item, into: &pairs) }
        }
    }

    /// Percent-encodes all but the unreserved characters and brackets (which Stripe reads literally).
    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "["), UInt8(ascii: "]"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += byte < 16 ? "%0" + hex : "%" + hex
            }
        }
        return out
    }
}
