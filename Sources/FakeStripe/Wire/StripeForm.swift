import Foundation

/// A request body as Stripe reads it (`application/x-www-form-urlencoded`, Rack-style nesting):
/// `metadata[order]=7` is a map, `line_items[0][quantity]=1` an indexed list, `expand[]=a&expand[]=b`
/// an appended list. Brackets may come literal or percent-encoded, and `+` is a space.
public indirect enum StripeForm: Equatable, Sendable {
    case string(String)
    case map([(key: String, value: StripeForm)])
    case list([StripeForm])

    public static func == (a: StripeForm, b: StripeForm) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.map(let x), .map(let y)): return x.map(\.key) == y.map(\.key) && x.map(\.value) == y.map(\.value)
        default: return false
        }
    }

    /// A malformed body, with the parameter it concerns (Stripe's `param`).
    public struct Failure: Error, Equatable, Sendable {
        public let message: String
        public let param: String?
    }

    public subscript(key: String) -> StripeForm? {
        guard case .map(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The whole body as a map (empty for an empty body).
    public static func parse(_ body: String) throws(Failure) -> StripeForm {
        let root = Node()
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(String(parts[0]))
            let value = try decode(parts.count > 1 ? String(parts[1]) : "")
            try root.insert(value, at: try path(of: name), name: name)
        }
        return root.form
    }

    /// `+` is a space, then `%XX` escapes; a broken escape is an error, as Stripe answers 400 for it.
    static func decode(_ text: String) throws(Failure) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        guard let decoded = spaced.removingPercentEncoding else {
            throw Failure(message: "Invalid percent-encoding in the request body: \(text)", param: nil)
        }
        return decoded
    }

    /// `a[0][b]` → ["a", "0", "b"]; `a[]` → ["a", ""] (an appended element).
    static func path(of name: String) throws(Failure) -> [String] {
        guard let open = name.firstIndex(of: "[") else { return [name] }
        var segments = [String(name[..<open])]
        var rest = name[open...]
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else {
                throw Failure(message: "Invalid parameter name: \(name)", param: name)
            }
            segments.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        guard !segments[0].isEmpty else { throw Failure(message: "Invalid parameter name: \(name)", param: name) }
        return segments
    }

    /// A tree built pair by pair; a node whose keys are all indices becomes a list.
    private final class Node {
        var value: String?
        var children: [(key: String, node: Node)] = []
        var appended = 0

        func child(_ key: String) -> Node {
            if let existing = children.first(where: { $0.key == key }) { return existing.node }
            let node = Node()
            children.append((key, node))
            return node
        }

        func insert(_ text: String, at path: [String], name: String) throws(Failure) {
            var node = self
            for segment in path {
                guard node.value == nil else { throw Failure(message: "Invalid parameter: \(name) conflicts with a value given before", param: name) }
                if segment.isEmpty {
                    // `a[]`: the next element of a list.
                    let key = String(node.appended)
                    node.appended += 1
                    node = node.child(key)
                } else {
                    node = node.child(segment)
                }
            }
            guard node.children.isEmpty else { throw Failure(message: "Invalid parameter: \(name) conflicts with a value given before", param: name) }
            node.value = text
        }

        var form: StripeForm {
            if let value { return .string(value) }
            let indices = children.compactMap { Int($0.key) }
            if !children.isEmpty, indices.count == children.count, indices.allSatisfy({ $0 >= 0 }) {
                // Indexed elements in index order (a client may send them in any order).
                return .list(children.sorted { Int($0.key) ?? 0 < Int($1.key) ?? 0 }.map(\.node.form))
            }
            return .map(children.map { ($0.key, $0.node.form) })
        }
    }
}
