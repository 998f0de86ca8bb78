import Foundation
import Testing
import ZIPFoundation
@testable import CreditsMCP

/// The streaming workbook writer: rows fed page by page come back whole (ZIPFoundation, and openpyxl when
/// `.venv` exists), and a sheet that is full continues on the next one.
@Suite struct XLSXStreamWriterTests {
    static let columns = CreditTool.events.columns

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("credits-mcp-xlsx-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func row(_ i: Int) -> [ReportCell] {
        [.dateTime(1_768_471_200 - Int64(i) * 60), .text("user-\(i % 17)@tenant-01.example"), .text(["chat", "search", "image"][i % 3]),
         .text("assistant"), .text("tenant-01"), .number(Double(i % 997) / 8)]
    }

    static func parts(of url: URL) throws -> [String: String] {
        let archive = try Archive(url: url, accessMode: .read)
        var result: [String: String] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            result[entry.path] = String(decoding: data, as: UTF8.self)
        }
        return result
    }

    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func streamedRowsComeBackWhole() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("events.xlsx")
        // A small flush threshold: the sheet entry is deflated in many pieces.
        let writer = try XLSXStreamWriter(
            destination: url, title: "get_credit_events", columns: Self.columns, widthSampleRows: 100, flushThreshold: 4096)
        let total = 5_000
        for page in stride(from: 0, to: total, by: 100) {
            try writer.append((page..<min(page + 100, total)).map(Self.row))
        }
        // Nothing visible under the final name until the workbook is complete.
        #expect(!FileManager.default.fileExists(atPath: url.path))
        let summary = try writer.finish()
        #expect(summary == XLSXStreamWriter.Summary(rows: total, sheetNames: ["get_credit_events"], sheetRows: [total]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["events.xlsx"])

        let parts = try Self.parts(of: url)
        #expect(Set(parts.keys) == [
            "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        ])
        let sheet = try #require(parts["xl/worksheets/sheet1.xml"])
        #expect(Self.count("<row ", in: sheet) == total + 1)
        #expect(Self.count(#"<c s="3"><v>"#, in: sheet) == total)
        #expect(sheet.contains(#"<row r="5001"><c s="3">"#))
        #expect(sheet.contains(#"<autoFilter ref="A1:F5001"/>"#))
        #expect(sheet.contains(#"<cols><col min="1" max="1" width="#))
        #expect(!sheet.contains("<dimension"), "the row count is not known while streaming")
        // Every row, in order: the last one's credits are (4999 % 997) / 8.
        #expect(sheet.contains(#"<c s="2"><v>\#(Double(4999 % 997) / 8)</v></c></row></sheetData>"#))
        let workbook = try #require(parts["xl/workbook.xml"])
        #expect(workbook.contains("'get_credit_events'!$A$1:$F$5001"))

        try OpenpyxlCheck.run(url, expectedSheets: [("get_credit_events", total)], lastCredits: Double(4999 % 997) / 8)
    }

    @Test func aFullSheetContinuesOnTheNext() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("split.xlsx")
        let writer = try XLSXStreamWriter(destination: url, title: "get_credit_events", columns: Self.columns, rowsPerSheet: 3, widthSampleRows: 2)
        try writer.append((0..<2).map(Self.row))
        try writer.append((2..<7).map(Self.row))
        let summary = try writer.finish()
        #expect(summary.rows == 7)
        #expect(summary.sheetNames == ["get_credit_events", "get_credit_events 2", "get_credit_events 3"])
        #expect(summary.sheetRows == [3, 3, 1])

        let parts = try Self.parts(of: url)
        for (index, rows) in [3, 3, 1].enumerated() {
            let sheet = try #require(parts["xl/worksheets/sheet\(index + 1).xml"], "sheet \(index + 1) missing")
            #expect(Self.count("<row ", in: sheet) == rows + 1)
            #expect(sheet.contains(#"<row r="1"><c s="1" t="inlineStr"><is><t>time</t></is></c>"#), "sheet \(index + 1) has no header")
            #expect(sheet.contains(#"<autoFilter ref="A1:F\#(rows + 1)"/>"#))
            #expect(sheet.contains(#"tabSelected="1""#) == (index == 0))
        }
        // Sheet 2 starts with the fourth row: user-3.
        #expect(try #require(parts["xl/worksheets/sheet2.xml"]).contains(#"<row r="2"><c s="3"><v>\#(XLSXWriter.excelSerial(unixSeconds: 1_768_471_200 - 3 * 60))</v></c><c t="inlineStr"><is><t>user-3@"#))
        let workbook = try #require(parts["xl/workbook.xml"])
        #expect(workbook.contains(#"<sheet name="get_credit_events" sheetId="1" r:id="rId1"/>"#))
        #expect(workbook.contains(#"<sheet name="get_credit_events 2" sheetId="2" r:id="rId2"/>"#))
        #expect(workbook.contains(#"<sheet name="get_credit_events 3" sheetId="3" r:id="rId3"/>"#))
        #expect(workbook.contains(#"localSheetId="2" hidden="1">'get_credit_events 3'!$A$1:$F$2</definedName>"#))
        let relationships = try #require(parts["xl/_rels/workbook.xml.rels"])
        #expect(relationships.contains(#"Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet3.xml""#))
        #expect(relationships.contains(#"Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles""#))
        let types = try #require(parts["[Content_Types].xml"])
        #expect(Self.count("/xl/worksheets/sheet", in: types) == 3)

        try OpenpyxlCheck.run(url, expectedSheets: [("get_credit_events", 3), ("get_credit_events 2", 3), ("get_credit_events 3", 1)],
                              lastCredits: Double(6 % 997) / 8)
    }

    @Test func theInMemoryWriterSplitsToo() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("table.xlsx")
        let table = ReportTable(title: "get_credit_events", columns: Self.columns, rows: (0..<5).map(Self.row))
        let summary = try XLSXWriter.write(table, to: url, rowsPerSheet: 4)
        #expect(summary.sheetRows == [4, 1])
        let parts = try Self.parts(of: url)
        // All rows are known up front, so each sheet also gets its dimension.
        #expect(try #require(parts["xl/worksheets/sheet1.xml"]).contains(#"<dimension ref="A1:F5"/>"#))
        #expect(try #require(parts["xl/worksheets/sheet2.xml"]).contains(#"<dimension ref="A1:F2"/>"#))
    }

    @Test func emptyStreamHasTheHeaderSheet() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("empty.xlsx")
        let writer = try XLSXStreamWriter(destination: url, title: "get_credit_events", columns: Self.columns)
        let summary = try writer.finish()
        #expect(summary == XLSXStreamWriter.Summary(rows: 0, sheetNames: ["get_credit_events"], sheetRows: [0]))
        let sheet = try #require(try Self.parts(of: url)["xl/worksheets/sheet1.xml"])
        #expect(Self.count("<row ", in: sheet) == 1)
        #expect(sheet.contains(#"<autoFilter ref="A1:F1"/>"#))
    }

    @Test func abandonLeavesNothing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("gone.xlsx")
        let writer = try XLSXStreamWriter(destination: url, title: "get_credit_events", columns: Self.columns, widthSampleRows: 1)
        try writer.append((0..<10).map(Self.row))
        writer.abandon()
        writer.abandon()
        #expect(throws: XLSXWriterError.self) { try writer.append([Self.row(0)]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func laterSheetNamesStayWithin31Characters() {
        #expect(XLSXWriter.sheetName(base: "get_credit_events", number: 1) == "get_credit_events")
        #expect(XLSXWriter.sheetName(base: "get_credit_events", number: 2) == "get_credit_events 2")
        let long = String(repeating: "x", count: 31)
        #expect(XLSXWriter.sheetName(base: long, number: 2) == String(repeating: "x", count: 29) + " 2")
        #expect(XLSXWriter.sheetName(base: long, number: 12) == String(repeating: "x", count: 28) + " 12")
        #expect(XLSXWriter.sheetName(base: "ab" + String(repeating: " ", count: 29), number: 3) == "ab 3")
    }

    @Test func dosTimestamps() {
        // 2026-01-15 10:00:00 in local time: whatever the zone, the date fields stay in range.
        let (time, date) = ZIPStreamWriter.dosDateTime(Date(timeIntervalSince1970: 1_768_471_200))
        #expect(date >> 9 == 46)  // 2026 - 1980
        #expect((date >> 5) & 0xF >= 1 && (date >> 5) & 0xF <= 12)
        #expect(time >> 11 < 24)
        #expect(ZIPStreamWriter.dosDateTime(Date(timeIntervalSince1970: 0)) == (0, 0x21))
    }
}

/// Opens a workbook with openpyxl (read-only, as a large file would be read) when `.venv` has it, and
/// checks each sheet's name and data-row count, the header, and the last row's credits. Skipped without `.venv`.
enum OpenpyxlCheck {
    static var python: URL? {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(".venv/bin/python")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    static let script = """
        import json, sys, openpyxl
        wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
        out = []
        last = None
        for name in wb.sheetnames:
            rows = wb[name].iter_rows(values_only=True)
            header = list(next(rows))
            count = 0
            for row in rows:
                count += 1
                last = row[-1]
            out.append([name, count, header])
        print(json.dumps({"sheets": out, "last": last}))
        """

    static func run(_ url: URL, expectedSheets: [(String, Int)], lastCredits: Double) throws {
        guard let python else {
            print("openpyxl check skipped: no .venv")
            return
        }
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script, url.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openpyxl could not read \(url.lastPathComponent)")
        guard process.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let sheets = json["sheets"] as? [[Any]] else { return }
        #expect(sheets.map { $0[0] as? String ?? "" } == expectedSheets.map(\.0))
        #expect(sheets.map { $0[1] as? Int ?? -1 } == expectedSheets.map(\.1))
        for sheet in sheets {
            #expect(sheet[2] as? [String] == ["time", "user", "module", "product", "tenant", "credits"])
        }
        #expect((json["last"] as? Double).map { abs($0 - lastCredits) < 1e-9 } ?? (json["last"] as? Int).map { Double($0) == lastCredits } ?? false,
                "last credits \(String(describing: json["last"]))")
    }
}
