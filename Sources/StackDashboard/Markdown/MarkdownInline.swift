import WireFormats

/// Inline markdown of one paragraph, heading or table cell to HTML: backslash escapes, code spans, links and
/// autolinks first (they take their text whole), then emphasis over the remaining `*`, `_` and `~~` runs with
/// CommonMark's delimiter rules (so `get_credit_usage_by_tenant` keeps its underscores). Every text character is
/// HTML-escaped; a newline becomes `<br>`.
struct MarkdownInline {
    private let chars: [Character]
    /// False inside a link's text: no nested links or autolinks.
    private let allowLinks: Bool

    static func render(_ text: String, allowLinks: Bool = true) -> String {
        // Most table cells (names, numbers) hold nothing inline markdown acts on: escaped as they are.
        if !text.unicodeScalars.contains(where: { Self.markup.contains($0) }),
           text.range(of: "http", options: .caseInsensitive) == nil {
            return HTMLText.escape(text)
        }
        var inline = MarkdownInline(chars: Array(text), allowLinks: allowLinks)
        return inline.html()
    }

    /// The characters `step` treats specially (a bare autolink starts at "http", checked apart).
    private static let markup: Set<Unicode.Scalar> = ["\\", "`", "[", "<", "*", "_", "~", "\n", "!"]

    private init(chars: [Character], allowLinks: Bool) {
        self.chars = chars
        self.allowLinks = allowLinks
    }

    private enum Node {
        case html(String)
        case delimiter(Int)
    }

    /// A run of `*`, `_` or `~~`: what is left of it as literal characters, and the tags it became.
    private struct Delimiter {
        let char: Character
        var count: Int
        let original: Int
        let canOpen: Bool
        let canClose: Bool
        var active = true
        var opens: [String] = []
        var closes: [String] = []
    }

    private var nodes: [Node] = []
    private var delimiters: [Delimiter] = []
    private var text = ""

    private mutating func html() -> String {
        var index = 0
        while index < chars.count {
            index = step(at: index)
        }
        flushText()
        processEmphasis()
        var out = ""
        for node in nodes {
            switch node {
            case .html(let html):
                out += html
            case .delimiter(let id):
                let delimiter = delimiters[id]
                out += delimiter.closes.joined() + String(repeating: delimiter.char, count: delimiter.count)
                    + delimiter.opens.joined()
            }
        }
        return out
    }

    /// Consumes what starts at `index`; returns where the next token starts.
    private mutating func step(at index: Int) -> Int {
        let char = chars[index]
        switch char {
        case "\\":
            if index + 1 < chars.count {
                let next = chars[index + 1]
                if next == "\n" {
                    text += "<br>\n"
                    return index + 2
                }
                if next.isASCII && (next.isPunctuation || next.isSymbol) {
                    HTMLText.append(next.unicodeScalars, escapedTo: &text)
                    return index + 2
                }
            }
            text += "\\"
            return index + 1
        case "`":
            let run = runLength(of: "`", at: index)
            if let end = closingBackticks(from: index + run, length: run) {
                append(html: Self.codeSpan(chars[(index + run)..<end]))
                return end + run
            }
            text += String(repeating: "`", count: run)
            return index + run
        case "[" where allowLinks:
            if let (html, next) = link(at: index) {
                append(html: html)
                return next
            }
            text += "["
            return index + 1
        case "<":
            if allowLinks, let (html, next) = angleAutolink(at: index) {
                append(html: html)
                return next
            }
            text += "&lt;"
            return index + 1
        case "*", "_", "~":
            let run = runLength(of: char, at: index)
            if char == "~" && run != 2 {
                text += String(repeating: "~", count: run)
                return index + run
            }
            addDelimiter(char, run: run, at: index)
            return index + run
        case "\n":
            text += "<br>\n"
            return index + 1
        case "h", "H":
            if allowLinks, let (html, next) = bareAutolink(at: index) {
                append(html: html)
                return next
            }
            text += String(char)
            return index + 1
        default:
            HTMLText.append(char.unicodeScalars, escapedTo: &text)
            return index + 1
        }
    }

    private mutating func flushText() {
        if !text.isEmpty {
            nodes.append(.html(text))
            text = ""
        }
    }

    private mutating func append(html: String) {
        flushText()
        nodes.append(.html(html))
    }

    private func runLength(of char: Character, at index: Int) -> Int {
        var end = index
        while end < chars.count && chars[end] == char { end += 1 }
        return end - index
    }

    // MARK: code spans

    /// Where a run of exactly `length` backticks starts at or after `start`.
    private func closingBackticks(from start: Int, length: Int) -> Int? {
        var index = start
        while index < chars.count {
            if chars[index] == "`" {
                let run = runLength(of: "`", at: index)
                if run == length { return index }
                index += run
            } else {
                index += 1
            }
        }
        return nil
    }

    private static func codeSpan(_ content: ArraySlice<Character>) -> String {
        var code = String(content).replacingNewlines()
        if code.count >= 2, code.first == " ", code.last == " ", code.contains(where: { $0 != " " }) {
            code = String(code.dropFirst().dropLast())
        }
        return "<code>" + HTMLText.escape(code) + "</code>"
    }

    // MARK: links

    /// `[text](destination "title")`. A destination that is not http(s) or relative leaves the whole source as text.
    private func link(at index: Int) -> (String, Int)? {
        guard let close = closingBracket(from: index + 1), close + 1 < chars.count, chars[close + 1] == "(" else {
            return nil
        }
        guard let (destination, title, end) = destinationAndTitle(from: close + 2) else { return nil }
        let label = String(chars[(index + 1)..<close])
        guard let href = MarkdownHTML.safeHref(destination) else {
            return (HTMLText.escape(String(chars[index..<end])), end)
        }
        let inner = MarkdownInline.render(label, allowLinks: false)
        return (MarkdownHTML.anchor(href: href, title: title, inner: inner), end)
    }

    /// The `]` that closes the `[` before `start`, skipping escapes, code spans and nested brackets.
    private func closingBracket(from start: Int) -> Int? {
        var depth = 1
        var index = start
        while index < chars.count {
            switch chars[index] {
            case "\\":
                index += 2
                continue
            case "`":
                let run = runLength(of: "`", at: index)
                if let end = closingBackticks(from: index + run, length: run) {
                    index = end + run
                } else {
                    index += run
                }
                continue
            case "[":
                depth += 1
            case "]":
                depth -= 1
                if depth == 0 { return index }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// After `(`: optional spaces, `<dest>` or a bare destination (balanced parentheses), an optional quoted or
    /// parenthesised title, then `)`. Returns the unescaped destination and title and the index after `)`.
    private func destinationAndTitle(from start: Int) -> (String, String?, Int)? {
        var index = skipSpaces(from: start)
        var destination = ""
        if index < chars.count && chars[index] == "<" {
            index += 1
            while index < chars.count && chars[index] != ">" {
                if chars[index] == "<" || chars[index] == "\n" { return nil }
                if chars[index] == "\\", index + 1 < chars.count, chars[index + 1].isEscapable {
                    index += 1
                }
                destination.append(chars[index])
                index += 1
            }
            guard index < chars.count else { return nil }
            index += 1
        } else {
            var depth = 0
            while index < chars.count {
                let char = chars[index]
                if char == " " || char == "\n" || char == "\t" { break }
                if char == "(" { depth += 1 }
                if char == ")" {
                    if depth == 0 { break }
                    depth -= 1
                }
                if char == "\\", index + 1 < chars.count, chars[index + 1].isEscapable {
                    index += 1
                }
                destination.append(chars[index])
                index += 1
            }
            guard depth == 0 else { return nil }
        }
        index = skipSpaces(from: index)
        var title: String?
        if index < chars.count, let closer = Self.titleCloser(chars[index]) {
            let opener = index
            index += 1
            var value = ""
            while index < chars.count && chars[index] != closer {
                if chars[index] == "\\", index + 1 < chars.count, chars[index + 1].isEscapable { index += 1 }
                value.append(chars[index])
                index += 1
            }
            guard index < chars.count, index > opener else { return nil }
            title = value
            index = skipSpaces(from: index + 1)
        }
        guard index < chars.count && chars[index] == ")" else { return nil }
        return (destination, title, index + 1)
    }

    private static func titleCloser(_ char: Character) -> Character? {
        switch char {
        case "\"": "\""
        case "'": "'"
        case "(": ")"
        default: nil
        }
    }

    private func skipSpaces(from start: Int) -> Int {
        var index = start
        var newlines = 0
        while index < chars.count, chars[index] == " " || chars[index] == "\t" || chars[index] == "\n" {
            if chars[index] == "\n" {
                newlines += 1
                if newlines > 1 { break }
            }
            index += 1
        }
        return index
    }

    // MARK: autolinks

    /// `<http://…>` or `<https://…>`.
    private func angleAutolink(at index: Int) -> (String, Int)? {
        var end = index + 1
        while end < chars.count && chars[end] != ">" {
            let char = chars[end]
            if char == "<" || char.isWhitespace { return nil }
            end += 1
        }
        guard end < chars.count else { return nil }
        let url = String(chars[(index + 1)..<end])
        guard Self.hasWebScheme(url), let href = MarkdownHTML.safeHref(url) else { return nil }
        return (MarkdownHTML.anchor(href: href, title: nil, inner: HTMLText.escape(url)), end + 1)
    }

    /// A bare `http://…` or `https://…` after a space, the start or `(`, `*`, `_`, `~`, `"`, `'` (GFM's rule),
    /// without trailing punctuation or an unbalanced `)`.
    private func bareAutolink(at index: Int) -> (String, Int)? {
        if index > 0 {
            let before = chars[index - 1]
            guard before.isWhitespace || "(*_~\"'".contains(before) else { return nil }
        }
        var end = index
        while end < chars.count && !chars[end].isWhitespace && chars[end] != "<" { end += 1 }
        var url = String(chars[index..<end])
        guard Self.hasWebScheme(url) else { return nil }
        while let last = url.last {
            if "?!.,:*_~'\"".contains(last) {
                url.removeLast()
            } else if last == ")" && url.filter({ $0 == ")" }).count > url.filter({ $0 == "(" }).count {
                url.removeLast()
            } else {
                break
            }
        }
        guard let scheme = url.firstRange(of: "://"), url[scheme.upperBound...].contains(where: { $0.isLetter || $0.isNumber }),
              let href = MarkdownHTML.safeHref(url) else { return nil }
        return (MarkdownHTML.anchor(href: href, title: nil, inner: HTMLText.escape(url)), index + url.count)
    }

    private static func hasWebScheme(_ url: String) -> Bool {
        let lower = url.prefix(8).lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    // MARK: emphasis

    private mutating func addDelimiter(_ char: Character, run: Int, at index: Int) {
        let before: Character? = index > 0 ? chars[index - 1] : nil
        let after: Character? = index + run < chars.count ? chars[index + run] : nil
        let leftFlanking = !Self.isSpace(after) && (!Self.isPunctuation(after) || Self.isSpace(before) || Self.isPunctuation(before))
        let rightFlanking = !Self.isSpace(before) && (!Self.isPunctuation(before) || Self.isSpace(after) || Self.isPunctuation(after))
        let canOpen: Bool
        let canClose: Bool
        if char == "_" {
            canOpen = leftFlanking && (!rightFlanking || Self.isPunctuation(before))
            canClose = rightFlanking && (!leftFlanking || Self.isPunctuation(after))
        } else {
            canOpen = leftFlanking
            canClose = rightFlanking
        }
        flushText()
        delimiters.append(Delimiter(char: char, count: run, original: run, canOpen: canOpen, canClose: canClose))
        nodes.append(.delimiter(delimiters.count - 1))
    }

    private static func isSpace(_ char: Character?) -> Bool {
        guard let char else { return true }
        return char.isWhitespace
    }

    private static func isPunctuation(_ char: Character?) -> Bool {
        guard let char else { return false }
        return char.isPunctuation || char.isSymbol
    }

    /// CommonMark's "process emphasis": each closer, left to right, takes the nearest matching opener; the
    /// delimiters between them become literal; `openersBottom` keeps the search linear.
    private mutating func processEmphasis() {
        var openersBottom: [String: Int] = [:]
        var current = 0
        while current < delimiters.count {
            let closer = delimiters[current]
            guard closer.active, closer.canClose, closer.count > 0 else {
                current += 1
                continue
            }
            let key = "\(closer.char)\(closer.canOpen)\(closer.original % 3)"
            let bottom = openersBottom[key] ?? -1
            var found: Int?
            var candidate = current - 1
            while candidate > bottom {
                let opener = delimiters[candidate]
                if opener.active, opener.canOpen, opener.count > 0, opener.char == closer.char {
                    let oddMatch = (opener.canClose || closer.canOpen) && (opener.original + closer.original) % 3 == 0
                        && !(opener.original % 3 == 0 && closer.original % 3 == 0)
                    if !oddMatch {
                        found = candidate
                        break
                    }
                }
                candidate -= 1
            }
            guard let openerIndex = found else {
                openersBottom[key] = current - 1
                if !closer.canOpen { delimiters[current].active = false }
                current += 1
                continue
            }
            let use = closer.char == "~" ? 2 : (closer.count >= 2 && delimiters[openerIndex].count >= 2 ? 2 : 1)
            let tag = closer.char == "~" ? "del" : (use == 2 ? "strong" : "em")
            delimiters[openerIndex].opens.insert("<\(tag)>", at: 0)
            delimiters[current].closes.append("</\(tag)>")
            delimiters[openerIndex].count -= use
            delimiters[current].count -= use
            for between in (openerIndex + 1)..<current { delimiters[between].active = false }
            if delimiters[openerIndex].count == 0 { delimiters[openerIndex].active = false }
            if delimiters[current].count == 0 {
                delimiters[current].active = false
                current += 1
            }
        }
    }
}

extension Character {
    /// ASCII punctuation, which a backslash escapes.
    fileprivate var isEscapable: Bool { isASCII && (isPunctuation || isSymbol) }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(map { $0 == "\n" ? " " : $0 })
    }
}
