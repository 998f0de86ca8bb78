import Foundation

/// Parses `.env` files: `KEY=VALUE` lines, `#` comments, optional `export ` prefix,
/// single- or double-quoted values (double quotes understand `\n`, `\"` and `\\`).
public enum DotEnv {
    public static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else { continue }
            values[key] = unquote(line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces))
        }
        return values
    }

    /// Reads `path` if it exists; a missing file is simply no settings.
    public static func load(path: String) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        do {
            return parse(try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw StartupFailure("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// A quoted value ends at its closing quote (anything after it, such as ` # note`, is dropped);
    /// an unquoted one at an inline comment (` #`).
    private static func unquote(_ value: String) -> String {
        if value.hasPrefix("'"), let close = value.dropFirst().firstIndex(of: "'") {
            return String(value[value.index(after: value.startIndex)..<close])
        }
        if value.hasPrefix("\"") {
            var out = ""
            var escaping = false
            for ch in value.dropFirst() {
                if escaping {
                    switch ch {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    default: out.append(ch)
                    }
                    escaping = false
                } else if ch == "\\" {
                    escaping = true
                } else if ch == "\"" {
                    return out
                } else {
                    out.append(ch)
                }
            }
            // No closing quote: keep the text as written.
            return value
        }
        if let hash = value.range(of: " #") { return value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces) }
        return value
    }
}
