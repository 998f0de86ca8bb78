/// The JSONPath subset meters use (`$.a`, `$.a.b`, `$.a[0]`, `$["a b"]`), translated to
/// SQLite's json_extract path syntax. Anything else is rejected when the meter is defined.
struct JSONPathExpression: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    let steps: [Step]

    init?(_ text: String) {
        let chars = Array(text)
        guard chars.first == "$" else { return nil }
        var steps: [Step] = []
        var i = 1
        while i < chars.count {
            if chars[i] == "." {
                i += 1
                var name = ""
                while i < chars.count, chars[i] != ".", chars[i] != "[" {
                    name.append(chars[i])
                    i += 1
                }
                guard !name.isEmpty, !name.contains("\"") else { return nil }
                steps.append(.key(name))
            } else if chars[i] == "[" {
                i += 1
                if i < chars.count, chars[i] == "\"" || chars[i] == "'" {
                    let quote = chars[i]
                    i += 1
                    var name = ""
                    while i < chars.count, chars[i] != quote {
                        name.append(chars[i])
                        i += 1
                    }
                    guard i + 1 < chars.count, chars[i + 1] == "]", !name.contains("\"") else { return nil }
                    i += 2
                    steps.append(.key(name))
                } else {
                    var digits = ""
                    while i < chars.count, chars[i].isASCII, chars[i].isNumber {
                        digits.append(chars[i])
                        i += 1
                    }
                    guard !digits.isEmpty, i < chars.count, chars[i] == "]" else { return nil }
                    i += 1
                    guard let index = Int(digits) else { return nil }
                    steps.append(.index(index))
                }
            } else {
                return nil
            }
        }
        guard !steps.isEmpty else { return nil }
        self.steps = steps
    }

    /// The path as SQLite's json functions read it, e.g. `$."user"[0]`.
    var sqlitePath: String {
        steps.reduce(into: "$") { out, step in
            switch step {
            case .key(let name): out += ".\"\(name)\""
            case .index(let index): out += "[\(index)]"
            }
        }
    }
}
