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

    private static func unquote(_ value: String) -> String {
        if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") {
            return String(value.dropFirst().dropLast())
        }
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            var out = ""
            var escaping = false
            for ch in value.dropFirst().dropLast() {
                if escaping {
                    switch ch {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    default: out.append(ch)
                    }
                    escaping = false
                } else if ch == "\\" {
                    escaping = true
                } else {
                    out.append(ch)
                }
            }
            return out
        }
        // Unquoted: an inline comment starts at " #".
        if let hash = value.range(of: " #") { return value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces) }
        return value
    }
}
