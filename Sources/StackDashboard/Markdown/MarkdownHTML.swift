import Foundation
import WireFormats

/// The chat page's markdown: the answers credits-mcp writes (GFM pipe tables with an alignment row, `**bold**`
/// headings, backslash-escaped cell text, a `[Download Excel](http://…/download/…)` link) and fake-tais's help
/// texts (a paragraph and a bullet list), rendered to HTML for `ChatMessageView.html`.
///
/// A small subset of CommonMark + GFM: ATX and setext headings, paragraphs (a single newline is a `<br>`, as in
/// chat UIs), bullet and numbered lists (nested by indentation), block quotes, fenced code, thematic breaks, pipe
/// tables; inline `**strong**`, `*em*`, `~~del~~`, code spans, links, `<http://…>` and bare http(s) autolinks,
/// backslash escapes. Raw HTML is never passed through: every character of the input reaches the output escaped,
/// and only http, https and relative link destinations become `href`s.
enum MarkdownHTML {
    static func render(_ markdown: String) -> String {
        MarkdownBlocks.render(lines(of: markdown)[...], context: .init())
    }

    /// The input's lines: CRLF and CR become LF, NUL becomes U+FFFD (CommonMark's rule), tabs in the leading
    /// indentation become four spaces so that indentation is counted in spaces only.
    static func lines(of markdown: String) -> [String] {
        let unified = markdown.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
        return unified.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.first == "\t" || line.first == " " else { return String(line) }
            var out = ""
            var rest = line[...]
            while let first = rest.first, first == " " || first == "\t" {
                out += first == "\t" ? "    " : " "
                rest = rest.dropFirst()
            }
            return out + rest
        }
    }

    /// The `href` for a link destination, or nil when it must stay text: only http and https URLs and
    /// relative references (no scheme) are allowed. Destinations with whitespace or control characters are
    /// refused outright, since browsers drop tabs and newlines inside URLs (`java\tscript:` is `javascript:`).
    static func safeHref(_ destination: String) -> String? {
        guard !destination.isEmpty else { return nil }
        for scalar in destination.unicodeScalars {
            if scalar.value <= 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) { return nil }
            if scalar.properties.isWhitespace { return nil }
        }
        // A scheme is what precedes the first ":" when no "/", "?" or "#" comes before it.
        if let colon = destination.firstIndex(of: ":") {
            let prefix = destination[..<colon]
            if !prefix.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
                let scheme = prefix.lowercased()
                guard scheme == "http" || scheme == "https" else { return nil }
                // `http:foo` (no authority) is a relative-looking oddity browsers still treat as http; require `//`.
                guard destination[destination.index(after: colon)...].hasPrefix("//") else { return nil }
            }
        }
        // A backslash is a slash to browsers in http(s) URLs (`/\evil.example` is protocol-relative).
        guard !destination.contains("\\") else { return nil }
        return destination
    }

    /// `<a>` for a safe destination: escaped, opened in a new tab without giving it this page (`noopener`).
    static func anchor(href: String, title: String?, inner: String) -> String {
        var out = "<a href=\"" + HTMLText.escape(href) + "\""
        if let title, !title.isEmpty { out += " title=\"" + HTMLText.escape(title) + "\"" }
        return out + " target=\"_blank\" rel=\"noopener\">" + inner + "</a>"
    }
}
