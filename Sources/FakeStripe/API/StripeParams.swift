import Foundation
import StackHTTP

/// Reads typed parameters out of a form map, answering Stripe's errors (`param` names the full
/// bracketed path, e.g. `line_items[0][quantity]`).
struct StripeParams {
    let form: StripeForm
    /// The path of this map in the request, for error `param`s.
    let path: String

    init(_ form: StripeForm, path: String = "") {
        self.form = form
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path)[\(key)]" }

    /// Refuses any parameter not in `known`.
    func onlyKnown(_ known: Set<String>) throws {
        guard case .map(let members) = form else { return }
        if let unknown = members.first(where: { !known.contains($0.key) }) { throw StripeError.unknown(name(unknown.key)) }
    }

    func string(_ key: String, maxLength: Int = 5000) throws -> String? {
        guard let value = form[key] else { return nil }
        guard let text = value.string else { throw StripeError.invalid(name(key), "Invalid string: \(name(key)) must be a string.") }
        guard text.count <= maxLength else {
            throw StripeError.invalidRequest("Invalid string: \(name(key)) must be at most \(maxLength) characters long", param: name(key), code: "string_length_exceeds_maximum")
        }
        return text
    }

    func requiredString(_ key: String, maxLength: Int = 5000) throws -> String {
        guard let text = try string(key, maxLength: maxLength), !text.isEmpty else { throw StripeError.missing(name(key)) }
        return text
    }

    func integer(_ key: String) throws -> Int? {
        guard let value = form[key] else { return nil }
        guard let text = value.string, let number = Int(text) else {
            throw StripeError.invalidInteger(name(key), value.string ?? "(not a single value)")
        }
        return number
    }

    func map(_ key: String) throws -> StripeParams? {
        guard let value = form[key] else { return nil }
        switch value {
        case .map: return StripeParams(value, path: name(key))
        case .string(""): return nil  // `metadata=` clears, as Stripe reads an empty value
        default: throw StripeError.invalidRequest("Invalid object", param: name(key), code: "parameter_invalid_object")
        }
    }

    func list(_ key: String) throws -> [StripeParams]? {
        guard let value = form[key] else { return nil }
        guard case .list(let items) = value else {
            throw StripeError.invalidRequest("Invalid array", param: name(key), code: "parameter_invalid_array")
        }
        return items.enumerated().map { StripeParams($1, path: "\(name(key))[\($0)]") }
    }

    func strings(_ key: String) throws -> [String]? {
        guard let value = form[key] else { return nil }
        switch value {
        case .string(let text): return [text]
        case .list(let items):
            return try items.enumerated().map { index, item in
                guard let text = item.string else { throw StripeError.invalid("\(name(key))[\(index)]", "Invalid string") }
                return text
            }
        case .map: throw StripeError.invalidRequest("Invalid array", param: name(key), code: "parameter_invalid_array")
        }
    }

    /// `metadata`: up to 50 string keys (≤ 40 characters) with string values (≤ 500).
    func metadata() throws -> [String: String] {
        guard let map = try map("metadata"), case .map(let members) = map.form else { return [:] }
        guard members.count <= 50 else {
            throw StripeError.invalidRequest("Invalid metadata: metadata can have at most 50 keys.", param: "metadata", code: "parameter_invalid_object")
        }
        var out: [String: String] = [:]
        for member in members {
            guard member.key.count <= 40 else {
                throw StripeError.invalidRequest("Invalid metadata: metadata keys can be at most 40 characters long.", param: "metadata[\(member.key)]")
            }
            guard let text = member.value.string else { throw StripeError.invalid("metadata[\(member.key)]", "Invalid string: metadata values must be strings.") }
            guard text.count <= 500 else {
                throw StripeError.invalidRequest("Invalid metadata: metadata values can be at most 500 characters long.", param: "metadata[\(member.key)]")
            }
            if !text.isEmpty { out[member.key] = text }  // an empty value unsets a key
        }
        return out
    }
}
