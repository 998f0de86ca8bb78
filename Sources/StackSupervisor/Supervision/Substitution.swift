/// `${NAME}` and `${NAME:-default}` in stack-file values, from the supervisor's variables (BIN, STATE_DIR,
/// ports and URLs) and then its environment.
public enum Substitution {
    public struct Unknown: Error, Sendable, Equatable {
        public var variable: String
    }

    public static func apply(_ text: String, variables: [String: String]) throws(Unknown) -> String {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                out += rest[start.lowerBound...]
                return out
            }
            let body = rest[start.upperBound..<end]
            if let dash = body.range(of: ":-") {
                let name = String(body[..<dash.lowerBound])
                let value = variables[name] ?? ""
                out += value.isEmpty ? String(body[dash.upperBound...]) : value
            } else {
                guard let value = variables[String(body)] else { throw Unknown(variable: String(body)) }
                out += value
            }
            rest = rest[rest.index(after: end)...]
        }
        out += rest
        return out
    }
}
