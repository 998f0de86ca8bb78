/// Renders a `ReportTable` as the markdown answer of a tool: a GitHub-flavoured table preview,
/// a note when the preview is cut, an optional summary line and the Excel download link.
public enum MarkdownReport {
    /// - Parameters:
    ///   - table: the full result.
    ///   - previewLimit: at most this many rows are shown (negative counts as 0).
    ///   - summary: an optional line of markdown written by the caller (e.g. `**Total: 1234.50 credits** across 1234 rows`);
    ///     it is inserted as is, so escape untrusted parts with `escape(_:)`.
    ///   - emptyMessage: the plain sentence shown instead of a table when there are no rows; it is escaped here.
    ///   - downloadURL: the absolute download URL; written as `[Download Excel](<url>)`.
    public static func render(
        table: ReportTable,
        previewLimit: Int,
        summary: String? = nil,
        emptyMessage: String,
        downloadURL: String
    ) -> String {
        let shown = min(table.rows.count, max(0, previewLimit))
        return render(
            columns: table.columns, preview: table.rows.prefix(shown), totalRows: table.rows.count, previewLimit: previewLimit,
            summary: summary, emptyMessage: emptyMessage, downloadURL: downloadURL)
    }

    /// The same answer from only the first rows of a result and its row count, for results that are
    /// streamed to the Excel file and never held whole.
    /// - Parameters:
    ///   - preview: the result's first rows (more than `previewLimit` are not shown).
    ///   - totalRows: how many rows the full result has.
    public static func render(
        columns: [ReportColumn],
        preview: some Collection<[ReportCell]>,
        totalRows: Int,
        previewLimit: Int,
        summary: String? = nil,
        emptyMessage: String,
        downloadURL: String
    ) -> String {
        var out = ""
        if totalRows <= 0 {
            out += escape(emptyMessage) + "\n\n"
        } else {
            let shown = min(preview.count, max(0, previewLimit), totalRows)
            out += tableMarkdown(columns: columns, rows: preview.prefix(shown))
            if shown < totalRows {
                out += "\n" + truncationNote(shown: shown, total: totalRows) + "\n"
            }
            out += "\n"
        }
        if let summary, !summary.isEmpty {
            out += summary + "\n\n"
        }
        // The contract's link form: `[Download Excel](<PUBLIC_BASE_URL>/download/<token>)`, a bare destination.
        out += "[Download Excel](" + linkDestination(downloadURL) + ")"
        return out
    }

    /// `Showing the first 50 of 1234 rows. The Excel file has all of them.`
    public static func truncationNote(shown: Int, total: Int) -> String {
        "Showing the first \(shown) of \(total) rows. The Excel file has all of them."
    }

    /// The header, alignment row and rows, each line ending in a newline.
    static func tableMarkdown(columns: [ReportColumn], rows: some Sequence<[ReportCell]>) -> String {
        var out = "|"
        for column in columns { out += " " + escape(column.name) + " |" }
        out += "\n|"
        for column in columns { out += column.kind == .credits ? "---:|" : "---|" }
        out += "\n"
        for row in rows {
            out += "|"
            for (index, column) in columns.enumerated() {
                let text = index < row.count ? cellText(row[index], kind: column.kind) : ""
                out += text.isEmpty ? " |" : " " + text + " |"
            }
            out += "\n"
        }
        return out
    }

    /// The escaped markdown text of one cell.
    public static func cellText(_ cell: ReportCell, kind: ReportColumnKind) -> String {
        switch cell {
        case .text(let text):
            return escape(text)
        case .number(let value):
            return kind == .credits ? CreditsFormat.credits(value) : CreditsFormat.number(value)
        case .dateTime(let seconds):
            return CreditsFormat.dateTime(seconds)
        }
    }

    /// Makes arbitrary text safe inside a table cell (or a plain paragraph): line breaks and other
    /// control characters become a space, and every character that could end the cell or start
    /// markdown/HTML formatting, code, links or entities is backslash-escaped
    /// (`\ | ` * _ ~ [ ] < > &`), as are the `:` of `://` and the `.` of `www.` so that bare
    /// URLs are not turned into links. The rendered text reads exactly like the input.
    public static func escape(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let v = scalar.value
            index += 1
            switch v {
            case 0x0D:
                if index < scalars.count, scalars[index] == "\n" { index += 1 }  // \r\n is one line break
                out.append(" ")
            case 0x00..<0x20, 0x7F, 0x85, 0x2028, 0x2029:
                // Line breaks (\n, \r, NEL, LS, PS), tabs and other control characters.
                out.append(" ")
            case 0x5C, 0x7C, 0x60, 0x2A, 0x5F, 0x7E, 0x5B, 0x5D, 0x3C, 0x3E, 0x26:
                // \ | ` * _ ~ [ ] < > &
                out.append("\\")
                out.append(scalar)
            case 0x3A where index + 1 < scalars.count && scalars[index] == "/" && scalars[index + 1] == "/":
                out.append("\\")  // "scheme://" autolinks
                out.append(scalar)
            case 0x2E where index >= 4 && scalars[(index - 4)..<(index - 1)].allSatisfy { $0 == "w" || $0 == "W" }:
                out.append("\\")  // "www." autolinks
                out.append(scalar)
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Keeps a URL inside `<...>` link destination syntax: no `<`, `>`, spaces or line breaks.
    static func linkDestination(_ url: String) -> String {
        var out = ""
        for scalar in url.unicodeScalars {
            switch scalar {
            case "<": out += "%3C"
            case ">": out += "%3E"
            case "(": out += "%28"
            case ")": out += "%29"
            case " ": out += "%20"
            case "\\": out += "%5C"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
