import WireFormats

/// The block structure of markdown: headings, paragraphs, lists, block quotes, fenced code, thematic breaks
/// and pipe tables, each rendered with `MarkdownInline` for its text. Lists and quotes render their content
/// by recursion, up to `Context.maximumDepth` levels (deeper content stays paragraph text).
enum MarkdownBlocks {
    struct Context {
        var depth = 0
        /// Inside a tight list item: paragraphs without `<p>`.
        var tight = false
        static let maximumDepth = 16

        func nested(tight: Bool) -> Context { Context(depth: depth + 1, tight: tight) }
        var canNest: Bool { depth < Self.maximumDepth }
    }

    static func render(_ lines: ArraySlice<String>, context: Context) -> String {
        var out: [String] = []
        var index = lines.startIndex
        while index < lines.endIndex {
            let line = lines[index]
            if line.isBlank {
                index += 1
                continue
            }
            if let (html, next) = block(lines, at: index, context: context) {
                out.append(html)
                index = next
            } else {
                let (html, next) = paragraph(lines, at: index, context: context)
                out.append(html)
                index = next
            }
        }
        return out.joined(separator: "\n")
    }

    /// Any block but a paragraph that starts at `index`.
    private static func block(_ lines: ArraySlice<String>, at index: Int, context: Context) -> (String, Int)? {
        let line = lines[index]
        if let fence = Fence(line) { return fencedCode(lines, at: index, fence: fence) }
        if let heading = atxHeading(line) { return (heading, index + 1) }
        if isThematicBreak(line) { return ("<hr>", index + 1) }
        if context.canNest, quoteContent(line) != nil { return blockQuote(lines, at: index, context: context) }
        if MarkdownPipeTable.starts(lines, at: index) { return MarkdownPipeTable.render(lines, at: index) }
        if context.canNest, let marker = ListMarker(line) { return list(lines, at: index, first: marker, context: context) }
        return nil
    }

    /// Whether `line` ends a paragraph by starting another block (an ordered list must start at 1 to do so).
    private static func interruptsParagraph(_ lines: ArraySlice<String>, at index: Int) -> Bool {
        let line = lines[index]
        if Fence(line) != nil || atxHeading(line) != nil || isThematicBreak(line) || quoteContent(line) != nil {
            return true
        }
        if MarkdownPipeTable.starts(lines, at: index) { return true }
        if let marker = ListMarker(line), !marker.contentIsEmpty, marker.start == nil || marker.start == 1 { return true }
        return false
    }

    // MARK: paragraphs and headings

    private static func paragraph(_ lines: ArraySlice<String>, at index: Int, context: Context) -> (String, Int) {
        var texts = [lines[index].trimmedLine]
        var next = index + 1
        while next < lines.endIndex, !lines[next].isBlank {
            if let level = setextLevel(lines[next]) {
                let inner = MarkdownInline.render(texts.joined(separator: "\n"))
                return ("<h\(level)>" + inner + "</h\(level)>", next + 1)
            }
            if interruptsParagraph(lines, at: next) { break }
            texts.append(lines[next].trimmedLine)
            next += 1
        }
        let inner = MarkdownInline.render(texts.joined(separator: "\n"))
        return (context.tight ? inner : "<p>" + inner + "</p>", next)
    }

    /// `# Title` … `###### Title`, without a closing `#` sequence.
    static func atxHeading(_ line: String) -> String? {
        guard line.leadingSpaces <= 3 else { return nil }
        let rest = line.drop { $0 == " " }
        let level = rest.prefix { $0 == "#" }.count
        guard (1...6).contains(level) else { return nil }
        let after = rest.dropFirst(level)
        guard after.isEmpty || after.first == " " || after.first == "\t" else { return nil }
        var title = after.trimmingSpaces()
        let closing = title.reversed().prefix { $0 == "#" }.count
        if closing > 0 {
            let kept = title.dropLast(closing)
            if kept.isEmpty || kept.last == " " { title = kept.trimmingSpaces() }
        }
        return "<h\(level)>" + MarkdownInline.render(String(title)) + "</h\(level)>"
    }

    /// `===` under a paragraph makes it an `<h1>`, `---` an `<h2>`.
    private static func setextLevel(_ line: String) -> Int? {
        guard line.leadingSpaces <= 3 else { return nil }
        let marks = line.trimmingSpaces()
        guard let first = marks.first, first == "=" || first == "-", marks.allSatisfy({ $0 == first }) else { return nil }
        return first == "=" ? 1 : 2
    }

    /// Three or more `-`, `*` or `_`, spaces allowed between.
    static func isThematicBreak(_ line: String) -> Bool {
        guard line.leadingSpaces <= 3 else { return false }
        let marks = line.filter { $0 != " " && $0 != "\t" }
        guard let first = marks.first, "-*_".contains(first), marks.count >= 3 else { return false }
        return marks.allSatisfy { $0 == first }
    }

    // MARK: fenced code

    struct Fence {
        let char: Character
        let length: Int
        let indent: Int
        let info: String

        init?(_ line: String) {
            indent = line.leadingSpaces
            guard indent <= 3 else { return nil }
            let rest = line.dropFirst(indent)
            guard let first = rest.first, first == "`" || first == "~" else { return nil }
            length = rest.prefix { $0 == first }.count
            guard length >= 3 else { return nil }
            let infoText = rest.dropFirst(length).trimmingSpaces()
            if first == "`" && infoText.contains("`") { return nil }
            char = first
            info = String(infoText.prefix { !$0.isWhitespace })
        }

        func closes(_ line: String) -> Bool {
            guard line.leadingSpaces <= 3 else { return false }
            let rest = line.trimmingSpaces()
            return rest.count >= length && rest.allSatisfy { $0 == char }
        }
    }

    private static func fencedCode(_ lines: ArraySlice<String>, at index: Int, fence: Fence) -> (String, Int) {
        var code: [String] = []
        var next = index + 1
        while next < lines.endIndex {
            if fence.closes(lines[next]) {
                next += 1
                break
            }
            var line = Substring(lines[next])
            var removable = fence.indent
            while removable > 0, line.first == " " {
                line = line.dropFirst()
                removable -= 1
            }
            code.append(String(line))
            next += 1
        }
        let language = fence.info.isEmpty ? "" : " class=\"language-\(HTMLText.escape(fence.info))\""
        let body = code.isEmpty ? "" : HTMLText.escape(code.joined(separator: "\n")) + "\n"
        return ("<pre><code\(language)>" + body + "</code></pre>", next)
    }

    // MARK: block quotes

    static func startsQuote(_ line: String) -> Bool { quoteContent(line) != nil }

    /// The line without its `>` marker (and one following space), or nil when it is not a quote line.
    private static func quoteContent(_ line: String) -> String? {
        guard line.leadingSpaces <= 3 else { return nil }
        let rest = line.drop { $0 == " " }
        guard rest.first == ">" else { return nil }
        let content = rest.dropFirst()
        return String(content.first == " " ? content.dropFirst() : content)
    }

    private static func blockQuote(_ lines: ArraySlice<String>, at index: Int, context: Context) -> (String, Int) {
        var content: [String] = []
        var next = index
        while next < lines.endIndex {
            if let inner = quoteContent(lines[next]) {
                content.append(inner)
            } else if !lines[next].isBlank, let last = content.last, !last.isBlank, !interruptsParagraph(lines, at: next) {
                content.append(lines[next])  // a lazy continuation of the quoted paragraph
            } else {
                break
            }
            next += 1
        }
        let inner = render(content[...], context: context.nested(tight: false))
        return ("<blockquote>\n" + inner + "\n</blockquote>", next)
    }

    // MARK: lists

    struct ListMarker {
        /// `-`, `*`, `+`, or `.`/`)` for an ordered list.
        let kind: Character
        /// The ordered list's number; nil for a bullet.
        let start: Int?
        /// Where the item's content starts: lines indented at least this much continue the item.
        let contentIndent: Int
        let content: String
        var contentIsEmpty: Bool { content.isBlank }

        init?(_ line: String) {
            let indent = line.leadingSpaces
            guard indent <= 3 else { return nil }
            let rest = line.dropFirst(indent)
            var markerWidth: Int
            if let first = rest.first, "-*+".contains(first) {
                kind = first
                start = nil
                markerWidth = 1
            } else {
                let digits = rest.prefix { $0.isASCII && $0.isNumber }
                guard (1...9).contains(digits.count), let number = Int(digits) else { return nil }
                let delimiter = rest.dropFirst(digits.count).first
                guard let delimiter, delimiter == "." || delimiter == ")" else { return nil }
                kind = delimiter
                start = number
                markerWidth = digits.count + 1
            }
            let after = rest.dropFirst(markerWidth)
            guard after.isEmpty || after.first == " " else { return nil }
            let spaces = after.prefix { $0 == " " }.count
            if after.allSatisfy({ $0 == " " }) {
                contentIndent = indent + markerWidth + 1
                content = ""
            } else if spaces > 4 {
                // Indented code inside an item: the content starts one space after the marker.
                contentIndent = indent + markerWidth + 1
                content = String(after.dropFirst())
            } else {
                contentIndent = indent + markerWidth + spaces
                content = String(after.dropFirst(spaces))
            }
        }
    }

    private static func list(_ lines: ArraySlice<String>, at index: Int, first: ListMarker, context: Context) -> (String, Int) {
        var items: [[String]] = []
        var loose = false
        var next = index
        var marker = first
        while true {
            var item = [marker.content]
            var cursor = next + 1
            var sawBlank = false
            while cursor < lines.endIndex {
                let line = lines[cursor]
                if line.isBlank {
                    // Blank lines belong to the item only when indented content follows them.
                    var ahead = cursor
                    while ahead < lines.endIndex, lines[ahead].isBlank { ahead += 1 }
                    guard ahead < lines.endIndex, lines[ahead].leadingSpaces >= marker.contentIndent else { break }
                    item.append(contentsOf: Array(repeating: "", count: ahead - cursor))
                    sawBlank = true
                    cursor = ahead
                    continue
                }
                if line.leadingSpaces >= marker.contentIndent {
                    if sawBlank { loose = true }
                    item.append(String(line.dropFirst(marker.contentIndent)))
                } else if !sawBlank, ListMarker(line) == nil, !interruptsParagraph(lines, at: cursor),
                          let last = item.last, !last.isBlank {
                    item.append(line.trimmedLine)  // a lazy continuation line
                } else {
                    break
                }
                cursor += 1
            }
            items.append(item)
            // The next item of the same list, possibly after blank lines (which make the list loose).
            var ahead = cursor
            while ahead < lines.endIndex, lines[ahead].isBlank { ahead += 1 }
            guard ahead < lines.endIndex, let following = ListMarker(lines[ahead]), following.kind == first.kind,
                  !isThematicBreak(lines[ahead]) else {
                next = cursor
                break
            }
            if ahead > cursor { loose = true }
            marker = following
            next = ahead
        }
        let tag = first.start == nil ? "ul" : "ol"
        var open = "<\(tag)"
        if let start = first.start, start != 1 { open += " start=\"\(start)\"" }
        var out = open + ">\n"
        for item in items {
            let inner = render(item[...], context: context.nested(tight: !loose))
            out += "<li>" + inner + "</li>\n"
        }
        return (out + "</\(tag)>", next)
    }
}
