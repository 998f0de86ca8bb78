import Foundation
import Testing
import ZIPFoundation
@testable import CreditsMCP

@Suite struct XLSXWriterTests {
    let columns = [
        ReportColumn(name: "time", kind: .dateTime),
        ReportColumn(name: "user", kind: .text),
        ReportColumn(name: "module", kind: .text),
        ReportColumn(name: "product", kind: .text),
        ReportColumn(name: "tenant", kind: .text),
        ReportColumn(name: "credits", kind: .credits),
    ]

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("credits-mcp-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func entries(of url: URL) throws -> [String: String] {
        let archive = try Archive(url: url, accessMode: .read)
        var result: [String: String] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            result[entry.path] = String(decoding: data, as: UTF8.self)
        }
        return result
    }

    func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func writesAValidWorkbook() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("report.xlsx")
        let table = ReportTable(title: "get_credit_events", columns: columns, rows: [
            [.dateTime(1_768_471_200), .text("alice"), .text("chat"), .text("assistant"), .text("tenant-01"), .number(1.25)],
            [.dateTime(1_768_471_230), .text("b<o>b & \"co\""), .text(" padded "), .text("ctl\u{1}\u{B}x\u{FFFF}y"), .text("_x0041_"),
             .number(0.1 + 0.2)],
        ])
        try XLSXWriter.write(table, to: url)

        let parts = try entries(of: url)
        #expect(Set(parts.keys) == [
            "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        ])
        let sheet = try #require(parts["xl/worksheets/sheet1.xml"])
        #expect(count("<row ", in: sheet) == 3)
        #expect(sheet.contains(#"<dimension ref="A1:F3"/>"#))
        #expect(sheet.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        #expect(sheet.contains(#"<autoFilter ref="A1:F3"/>"#))
        #expect(sheet.contains(#"<cols><col min="1" max="1" width="#))
        // Header: bold style 1, inline strings. Cells carry no `r`: each row writes every column in order.
        #expect(sheet.contains(#"<c s="1" t="inlineStr"><is><t>time</t></is></c>"#))
        #expect(sheet.contains(#"<c s="1" t="inlineStr"><is><t>credits</t></is></c>"#))
        // Numbers: numeric, full precision, credits style 2.
        #expect(sheet.contains(#"<c s="2"><v>1.25</v></c>"#))
        #expect(sheet.contains(#"<c s="2"><v>0.30000000000000004</v></c>"#))
        // Times: Excel serial with the date-time style 3. 2026-01-15T10:00:00Z = 46037 + 10/24.
        #expect(sheet.contains(#"<c s="3"><v>46037.416666666664</v></c>"#))
        // Text: escaped, illegal characters removed, spaces preserved, Excel escapes protected.
        #expect(sheet.contains(#"<c t="inlineStr"><is><t>b&lt;o&gt;b &amp; &quot;co&quot;</t></is></c>"#))
        #expect(sheet.contains(#"<t xml:space="preserve"> padded </t>"#))
        #expect(sheet.contains("<t>ctlxy</t>"))
        #expect(sheet.contains("<t>_x005F_x0041_</t>"))

        let styles = try #require(parts["xl/styles.xml"])
        #expect(styles.contains(#"<font><b/>"#))
        #expect(styles.contains(#"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#))
        #expect(styles.contains(#"<numFmt numFmtId="164" formatCode="0.00"/>"#))
        #expect(styles.contains(#"<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/>"#))
        #expect(styles.contains(#"<xf numFmtId="165""#))

        let workbook = try #require(parts["xl/workbook.xml"])
        #expect(workbook.contains(#"<sheet name="get_credit_events" sheetId="1" r:id="rId1"/>"#))
        #expect(workbook.contains("'get_credit_events'!$A$1:$F$3"))
        // No temporary file left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.xlsx"])
    }

    @Test func thousandRows() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("big.xlsx")
        let rows: [[ReportCell]] = (0..<1000).map { i in
            [.dateTime(1_768_471_200 + Int64(i) * 60), .text("user-\(i % 17)"), .text("chat"), .text("assistant"),
             .text("tenant-01"), .number(Double(i) / 8)]
        }
        try XLSXWriter.write(ReportTable(title: "get_credit_events", columns: columns, rows: rows), to: url)
        let sheet = try #require(try entries(of: url)["xl/worksheets/sheet1.xml"])
        #expect(count("<row ", in: sheet) == 1001)
        #expect(count(#" s="3"><v>"#, in: sheet) == 1000)
        #expect(count(#" s="2"><v>"#, in: sheet) == 1000)
        #expect(sheet.contains(#"<row r="1001"><c s="3">"#))
        #expect(sheet.contains(#"<c s="2"><v>124.875</v></c>"#))
        #expect(sheet.contains(#"<dimension ref="A1:F1001"/>"#))
    }

    @Test func replacesAnExistingFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("r.xlsx")
        try Data("old".utf8).write(to: url)
        try XLSXWriter.write(ReportTable(title: "t", columns: columns, rows: []), to: url)
        let sheet = try #require(try entries(of: url)["xl/worksheets/sheet1.xml"])
        #expect(count("<row ", in: sheet) == 1)
        #expect(sheet.contains(#"<dimension ref="A1:F1"/>"#))
    }

    @Test func failureLeavesNothing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("missing-dir/r.xlsx")
        #expect(throws: (any Error).self) { try XLSXWriter.write(ReportTable(title: "t", columns: columns, rows: []), to: url) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func sheetNames() {
        #expect(XLSXWriter.sheetName(for: "get_credit_usage_summary") == "get_credit_usage_summary")
        #expect(XLSXWriter.sheetName(for: "a[b]c:d*e?f/g\\h") == "abcdefgh")
        #expect(XLSXWriter.sheetName(for: String(repeating: "x", count: 40)) == String(repeating: "x", count: 31))
        #expect(XLSXWriter.sheetName(for: "'quoted'") == "quoted")
        #expect(XLSXWriter.sheetName(for: "[]") == "Sheet1")
        #expect(XLSXWriter.sheetName(for: "History") == "History1")
    }

    @Test func columnLettersAndSerials() {
        #expect(XLSXWriter.columnLetters(0) == Array("A".utf8))
        #expect(XLSXWriter.columnLetters(25) == Array("Z".utf8))
        #expect(XLSXWriter.columnLetters(26) == Array("AA".utf8))
        #expect(XLSXWriter.columnLetters(701) == Array("ZZ".utf8))
        #expect(XLSXWriter.columnLetters(702) == Array("AAA".utf8))
        #expect(XLSXWriter.excelSerial(unixSeconds: 0) == 25569)
        #expect(XLSXWriter.excelSerial(unixSeconds: 1_768_435_200) == 46037)
    }
}
