import WireFormats

/// Shorthands for building Stripe objects as ordered JSON.
extension JSONValue {
    static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func int(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
    static func metadata(_ values: [String: String]) -> JSONValue {
        .object(values.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONValue.string($0.value)) })
    }
    static func members(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { (key: $0.key, value: $0.value) })
    }

    var bytes: [UInt8] {
        var writer = JSONWriter(capacity: 2048)
        writer.value(self)
        return writer.bytes
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}
