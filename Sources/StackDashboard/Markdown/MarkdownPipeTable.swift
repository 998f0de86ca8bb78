import WireFormats

/// GFM pipe tables: a header row, a delimiter row whose colons set each column's alignment (`---:` right,
/// `:---:` center, `:---` left), then body rows up to a blank line or another block. Rows are padded or cut to
/// the header's columns; `\|` is a pipe inside a cell. Alignment goes into `align` attributes, which need no
/// stylesheet and no inline style (a Content-Security-Policy may forbid those).
enum MarkdownPipeTable {
    enum Alignment: String {
        case left, center, right
    }

    static func starts(_ lines: ArraySlice<String>, at index: Int) -> Bool {
        guard index + 1 < lines.endIndex else { return false }
        let header = lines[index]
        guard header.leadingSpaces <= 3, header.contains("|") else { return false }
        guard let alignments = alignments(lines[index + 1]) else { return false }
        return cells(header).count == alignments.count
    }

    static func render(_ lines: ArraySlice<String>, at index: Int) -> (String, Int) {
        let columns = alignments(lines[index + 1]) ?? []
        var out = "<div class=\"md-table\"><table>\n<thead>\n" + row(cells(lines[index]), columns, tag: "th") + "</thead>\n"
        var next = index + 2
        var body = ""
        while next < lines.endIndex, endsTable(lines[next]) == false {
            body += row(cells(lines[next]), columns, tag: "td")
            next += 1
        }
        if !body.isEmpty { out += "<tbody>\n" + body + "</tbody>\n" }
        return (out + "</table></div>", next)
    }

    private static func row(_ cells: [String], _ columns: [Alignment?], tag: String) -> String {
        var out = "<tr>"
        for (column, alignment) in columns.enumerated() {
            let text = column < cells.count ? cells[column] : ""
            let align = alignment.map { " align=\"\($0.rawValue)\"" } ?? ""
            out += "<\(tag)\(align)>" + MarkdownInline.render(text) + "</\(tag)>"
        }
        return out + "</tr>\n"
    }

    /// A blank line or the start of another block ends the body.
    private static func endsTable(_ line: String) -> Bool {
        if line.isBlank { return true }
        return MarkdownBlocks.atxHeading(line) != nil || MarkdownBlocks.isThematicBreak(line)
            || MarkdownBlocks.Fence(line) != nil || MarkdownBlocks.startsQuote(line)
    }

    /// The cells of a row: split at unescaped pipes, the outer pipes optional, `\|` unescaped to `|` (other
    /// backslash escapes are left for the inline pass), each cell trimmed.
    static func cells(_ line: String) -> [String] {
        let text = Array(line.trimmedLine)
        var cells: [String] = []
        var current = ""
        var index = 0
        var endedWithPipe = false
        while index < text.count {
            let char = text[index]
            endedWithPipe = false
            if char == "\\", index + 1 < text.count {
                current += text[index + 1] == "|" ? "|" : "\\" + String(text[index + 1])
                index += 2
                continue
            }
            if char == "|" {
                cells.append(current)
                current = ""
                endedWithPipe = true
            } else {
                current.append(char)
            }
            index += 1
        }
        if !endedWithPipe { cells.append(current) }
        if text.first == "|", !cells.isEmpty { cells.removeFirst() }
        return cells.map { $0.trimmedLine }
    }

    /// The delimiter row's alignments (nil for a column without colons), or nil when it is no delimiter row.
    static func alignments(_ line: String) -> [Alignment?]? {
        guard line.leadingSpaces <= 3 else { return nil }
        let parts = cells(line)
        guard !parts.isEmpty else { return nil }
        // `---` alone is a thematic break or a setext underline, not a one-column table.
        guard line.contains("|") else { return nil }
        var result: [Alignment?] = []
        for part in parts {
            let dashes = part.trimming(":")
            guard !dashes.isEmpty, dashes.allSatisfy({ $0 == "-" }), part.filter({ $0 == ":" }).count <= 2 else { return nil }
            switch (part.hasPrefix(":"), part.hasSuffix(":")) {
            case (true, true): result.append(.center)
            case (false, true): result.append(.right)
            case (true, false): result.append(.left)
            case (false, false): result.append(nil)
            }
        }
        return result
    }
}

extension String {
    fileprivate func trimming(_ characters: String) -> String {
        let set = Set(characters)
        guard let start = firstIndex(where: { !set.contains($0) }), let end = lastIndex(where: { !set.contains($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
