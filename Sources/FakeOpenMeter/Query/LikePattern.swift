/// Translates a SQL LIKE pattern (`%`, `_`, backslash escapes) into an SQLite GLOB pattern,
/// which matches case-sensitively like ClickHouse's LIKE does.
enum LikePattern {
    static func glob(_ like: String) -> String {
        var out = ""
        var escaped = false
        for character in like {
            if escaped {
                out += literal(character)
                escaped = false
                continue
            }
            switch character {
            case "\\": escaped = true
            case "%": out += "*"
            case "_": out += "?"
            default: out += literal(character)
            }
        }
        if escaped { out += literal("\\") }
        return out
    }

    /// GLOB's own wildcards become one-character classes so they match only themselves.
    private static func literal(_ character: Character) -> String {
        switch character {
        case "*", "?", "[": return "[\(character)]"
        default: return String(character)
        }
    }
}
