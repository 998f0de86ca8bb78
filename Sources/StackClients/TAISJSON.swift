import Foundation
import WireFormats

/// JSON plumbing of `TAISClient`: typed answers decoded with `JSONDecoder`, loose parts (tool call
/// arguments) kept as `JSONValue`, request bodies written with `JSONWriter`.
enum TAISJSON {
    /// Decodes `T` from the reply's body; `operation` names the call in the error.
    static func decode<T: Decodable>(_ type: T.Type, from reply: HTTPReply, operation: String) throws(StackClientError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(reply.body))
        } catch {
            throw .invalidResponse(operation: operation, reason: "cannot read \(T.self) (\(error)): \(reply.text.prefix(300))")
        }
    }

    /// The JSON text of `value`.
    static func body(_ value: JSONValue) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.value(value)
        return w.bytes
    }

    /// An object of the members whose value is not nil, in the given order.
    static func object(_ members: [(String, JSONValue?)]) -> JSONValue {
        .object(members.compactMap { key, value in value.map { (key: key, value: $0) } })
    }

    static func strings(_ values: [String]?) -> JSONValue? {
        values.map { .array($0.map(JSONValue.string)) }
    }
}

/// Any JSON value read through `Decodable`, for the fields whose shape is loose. Object members come
/// back sorted by key (`Decoder` does not keep the document's order).
struct DecodedJSONValue: Decodable, Sendable {
    let value: JSONValue

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            var members: [(key: String, value: JSONValue)] = []
            for key in object.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                members.append((key.stringValue, try object.decode(DecodedJSONValue.self, forKey: key).value))
            }
            value = .object(members)
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !array.isAtEnd { items.append(try array.decode(DecodedJSONValue.self).value) }
            value = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            value = .null
        } else if let flag = try? single.decode(Bool.self) {
            value = .bool(flag)
        } else if let number = try? single.decode(Double.self) {
            value = .number(number)
        } else {
            value = .string(try single.decode(String.self))
        }
    }
}
