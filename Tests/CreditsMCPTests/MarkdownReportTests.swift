import Testing
@testable import CreditsMCP

@Suite struct MarkdownReportTests {
    let columns = [
        ReportColumn(name: "time", kind: .dateTime),
        ReportColumn(name: "user", kind: .text),
        ReportColumn(name: "credits", kind: .credits),
    ]

    @Test func smallTable() {
        let table = ReportTable(title: "get_credit_events", columns: columns, rows: [
            [.dateTime(1_768_471_200), .text("alice"), .number(1.5)],
            [.dateTime(1_768_471_260), .text("bob"), .number(1234.5)],
        ])
        let text = MarkdownReport.render(
            table: table, previewLimit: 50, summary: "**Total: 1236.00 credits** across 2 rows",
            emptyMessage: "unused", downloadURL: "http://localhost:8765/download/abc")
        #expect(text == """
            | time | user | credits |
            |---|---|---:|
            | 2026-01-15T10:00:00Z | alice | 1.50 |
            | 2026-01-15T10:01:00Z | bob | 1234.50 |

            **Total: 1236.00 credits** across 2 rows

            [Download Excel](http://localhost:8765/download/abc)
            """)
    }

    @Test func escaping() {
        #expect(MarkdownReport.escape("a|b") == #"a\|b"#)
        #expect(MarkdownReport.escape("line1\nline2\r\nline3\rline4") == "line1 line2 line3 line4")
        #expect(MarkdownReport.escape("**x**") == #"\*\*x\*\*"#)
        #expect(MarkdownReport.escape("[a](b)") == #"\[a\](b)"#)
        #expect(MarkdownReport.escape("<script>alert(1)</script>") == #"\<script\>alert(1)\</script\>"#)
        #expect(MarkdownReport.escape(#"back\slash"#) == #"back\\slash"#)
        #expect(MarkdownReport.escape("`code` _u_ ~s~ &amp;") == #"\`code\` \_u\_ \~s\~ \&amp;"#)
        #expect(MarkdownReport.escape("see https://evil.example and www.evil.example") ==
            #"see https\://evil.example and www\.evil.example"#)
        #expect(MarkdownReport.escape("tab\there\u{2028}x") == "tab here x")
        #expect(MarkdownReport.escape("tenant-01 R2.5 (ok)") == "tenant-01 R2.5 (ok)")
    }

    @Test func hostileCellsStayInTheirCells() {
        let hostile = "a|b\nc **x** [a](b) <script>"
        let table = ReportTable(title: "t", columns: [ReportColumn(name: "user|name", kind: .text)], rows: [[.text(hostile)]])
        let text = MarkdownReport.render(table: table, previewLimit: 50, emptyMessage: "", downloadURL: "u")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == #"| user\|name |"#)
        #expect(lines[2] == #"| a\|b c \*\*x\*\* \[a\](b) \<script\> |"#)
        #expect(lines.count == 5)
    }

    @Test func truncation() {
        let rows: [[ReportCell]] = (0..<1234).map { [.dateTime(Int64($0)), .text("u\($0)"), .number(1)] }
        let table = ReportTable(title: "get_credit_events", columns: columns, rows: rows)
        let text = MarkdownReport.render(table: table, previewLimit: 50, summary: nil, emptyMessage: "", downloadURL: "http://x/download/t")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.filter { $0.hasPrefix("| ") }.count == 51)  // header + 50 rows
        #expect(lines.contains("| 1970-01-01T00:00:49Z | u49 | 1.00 |"))
        #expect(!text.contains("u50 |"))
        #expect(text.contains("\nShowing the first 50 of 1234 rows. The Excel file has all of them.\n"))
        #expect(text.hasSuffix("\n\n[Download Excel](http://x/download/t)"))
    }

    @Test func noNoteWhenAllRowsShown() {
        let rows: [[ReportCell]] = (0..<50).map { [.dateTime(0), .text("u\($0)"), .number(1)] }
        let text = MarkdownReport.render(
            table: ReportTable(title: "t", columns: columns, rows: rows), previewLimit: 50, emptyMessage: "", downloadURL: "u")
        #expect(!text.contains("Showing"))
    }

    @Test func emptyTable() {
        let table = ReportTable(title: "t", columns: columns, rows: [])
        let text = MarkdownReport.render(
            table: table, previewLimit: 50, emptyMessage: "No AI-credit usage for tenant tenant_01 between A and B.",
            downloadURL: "http://x/download/t")
        #expect(text == """
            No AI-credit usage for tenant tenant\\_01 between A and B.

            [Download Excel](http://x/download/t)
            """)
    }

    @Test func missingCellsAndNumbersInTextColumns() {
        let table = ReportTable(title: "t", columns: [ReportColumn(name: "a", kind: .text), ReportColumn(name: "b", kind: .text)],
                                rows: [[.number(3)]])
        let text = MarkdownReport.render(table: table, previewLimit: 5, emptyMessage: "", downloadURL: "u")
        #expect(text.hasPrefix("| a | b |\n|---|---|\n| 3 | |\n"))
    }

    @Test func downloadURLCannotBreakOutOfTheLink() {
        let table = ReportTable(title: "t", columns: columns, rows: [])
        let text = MarkdownReport.render(table: table, previewLimit: 5, emptyMessage: "none", downloadURL: "http://x/a b>c\n")
        #expect(text.hasSuffix("[Download Excel](http://x/a%20b%3Ec)"))
    }
}
