import Foundation

/// A credits-mcp tool answer taken apart: the first markdown table (cells split on unescaped `|`
/// and unescaped), the prose around it, and the Excel download link.
struct MarkdownAnswer {
    let text: String
    /// Column names of the table, nil when the answer has none.
    let header: [String]?
    let rows: [[String]]
    /// Every line that is not part of the table.
    let prose: [String]
    /// The target of the link whose target contains `/download/`.
    let downloadLink: String?

    init(_ text: String) {
        self.text = text
        var header: [String]?
        var rows: [[String]] = []
        var prose: [String] = []
        var inTable = false
        var tableDone = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let isTableLine = trimmed.hasPrefix("|") && trimmed.hasSuffix("|") && trimmed.count >= 2
            if isTableLine, !tableDone {
                let cells = Self.cells(trimmed)
                if !inTable {
                    header = cells
                    inTable = true
                } else if !cells.allSatisfy({ !$0.isEmpty && $0.allSatisfy { "-:".contains($0) } }) {
                    rows.append(cells)
                }
                continue
            }
            if inTable { tableDone = true }
            prose.append(line)
        }
        self.header = header
        self.rows = rows
        self.prose = prose
        downloadLink = Self.links(in: text).last { $0.contains("/download/") }
    }

    /// Whether `number` appears as a whole token (not part of a longer number) outside the table.
    func proseMentions(number: String) -> Bool {
        prose.contains { line in Self.numberTokens(in: line).contains(number) }
    }

    /// Splits `| a | b\|c |` into `["a", "b|c"]`: a backslash escapes the next character.
    static func cells(_ line: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var escaping = false
        for character in line.dropFirst() {
            if escaping {
                current.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == "|" {
                cells.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        return cells
    }

    /// Targets of `[label](target)` links.
    static func links(in text: String) -> [String] {
        var links: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "](") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: ")") else { break }
            var target = String(after[..<close])
            if target.hasPrefix("<"), target.hasSuffix(">") { target = String(target.dropFirst().dropLast()) }
            links.append(target)
            rest = after[close...]
        }
        return links
    }

    /// Numbers in a line (`12`, `21.80`, `-3.5`), markdown emphasis and escapes ignored.
    static func numberTokens(in line: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for character in line + " " {
            if character.isASCII, character.isNumber || (character == "." && !current.isEmpty) {
                current.append(character)
            } else {
                if current.hasSuffix(".") { current.removeLast() }
                if !current.isEmpty { tokens.append(current) }
                current = ""
            }
        }
        return tokens
    }
}
