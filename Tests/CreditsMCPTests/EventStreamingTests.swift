import Foundation
import Logging
import MCP
import Synchronization
import Testing
import WireFormats
import ZIPFoundation
@testable import CreditsMCP

/// `get_credit_events` streams: each page from OpenMeter reaches the Excel writer before the next page
/// is requested, only the preview rows are kept, and the answer is the one the whole table would give.
@Suite struct EventStreamingTests {
    static let caller = Caller(tenant: "tenant-01", groups: ["Administrators"], user: nil)
    static let to: Int64 = 1_768_435_200  // 2026-01-15T00:00:00Z
    static let arguments: [String: Value] = ["from": "2026-01-01", "to": "2026-01-15"]

    /// Pages served in order; before serving each page it records what the sink had received by then.
    struct PagedSource: CreditEventSource {
        let pages: [[OpenMeterClient.CreditEvent]]
        let beforePage: @Sendable (Int) -> Void
        var failure: (any Error & Sendable)?

        func forEachEventPage(
            type: String, subject: String, from: String, to: String, maximumEvents: Int,
            _ body: ([OpenMeterClient.CreditEvent]) async throws -> Void
        ) async throws -> Int {
            var count = 0
            for (index, page) in pages.enumerated() {
                beforePage(index)
                count += page.count
                try await body(page)
            }
            if let failure { throw failure }
            return count
        }
    }

    /// Counts rows handed to the real workbook sink, and how many were handed over when each page was requested.
    final class CountingSink: ReportRowSink {
        let inner: any ReportRowSink
        let probe: Probe
        init(_ inner: any ReportRowSink, probe: Probe) {
            self.inner = inner
            self.probe = probe
        }

        func append(_ rows: [[ReportCell]]) async throws {
            probe.received.withLock { $0 += rows.count }
            try await inner.append(rows)
        }

        func finish() async throws -> XLSXStreamWriter.Summary { try await inner.finish() }
        func abandon() async { await inner.abandon() }
    }

    final class Probe: Sendable {
        let received = Mutex(0)
        let seenAtPage = Mutex<[Int]>([])
    }

    static func event(_ i: Int, time: Int64, credits: JSONValue = .null) -> OpenMeterClient.CreditEvent {
        let value: JSONValue = credits == .null ? .number(Double(i % 13) * 0.25 + 0.1) : credits
        return OpenMeterClient.CreditEvent(time: time, data: .object([
            ("credits", value), ("user", .string("user-\(i % 7)@tenant-01.example")), ("module", .string(["chat", "search"][i % 2])),
            ("product", .string("assistant")), ("tenant", .string("tenant-01")), ("skill", .string("drafting")),
        ]))
    }

    /// `count` events newest first, some sharing a second, some with credits that are not numbers.
    static func events(_ count: Int) -> [OpenMeterClient.CreditEvent] {
        (0..<count).map { i in
            let time = to - 1 - Int64(i / 3) * 7  // three events per second: ties keep OpenMeter's order
            return event(i, time: time, credits: i % 101 == 50 ? .string("n/a") : .null)
        }
    }

    static func pages(_ events: [OpenMeterClient.CreditEvent], size: Int = 100) -> [[OpenMeterClient.CreditEvent]] {
        stride(from: 0, to: events.count, by: size).map { Array(events[$0..<min($0 + size, events.count)]) }
    }

    struct Harness {
        let directory: URL
        var runner: CreditToolRunner
        let store: DownloadStore
    }

    static func harness(source: any CreditEventSource, probe: Probe? = nil, previewRowLimit: Int = 50) throws -> Harness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("credits-mcp-streaming-\(UUID().uuidString)")
        let store = try DownloadStore(directory: directory)
        var configuration = CreditsMCPConfiguration(openMeterAPIKey: "unused", downloadDirectory: directory.path)
        configuration.previewRowLimit = previewRowLimit
        // Never called: the events come from `source`.
        let client = OpenMeterClient(baseURL: "http://127.0.0.1:9", apiKey: "unused", timeout: .seconds(1))
        var runner = CreditToolRunner(client: client, downloads: store, configuration: configuration, logger: Logger(label: "test"))
        runner.eventSource = source
        if let probe {
            runner.makeRowSink = { CountingSink(WorkbookRowSink(writer: $0), probe: probe) }
        }
        return Harness(directory: directory, runner: runner, store: store)
    }

    static func sheets(_ url: URL) throws -> [String: String] {
        let archive = try Archive(url: url, accessMode: .read)
        var result: [String: String] = [:]
        for entry in archive where entry.path.hasPrefix("xl/worksheets/") || entry.path == "xl/workbook.xml" {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            result[entry.path] = String(decoding: data, as: UTF8.self)
        }
        return result
    }

    static func token(in text: String) throws -> String {
        let range = try #require(text.range(of: "/download/"))
        return String(text[range.upperBound...].prefix(DownloadStore.tokenLength))
    }

    @Test func eachPageReachesTheFileBeforeTheNextIsRequested() async throws {
        let events = Self.events(3_000)
        let probe = Probe()
        let source = PagedSource(pages: Self.pages(events)) { index in
            let received = probe.received.withLock { $0 }
            probe.seenAtPage.withLock { $0.append(received) }
        }
        let harness = try Self.harness(source: source, probe: probe)
        defer { try? FileManager.default.removeItem(at: harness.directory) }

        let answer = await harness.runner.run(.events, arguments: Self.arguments, caller: Self.caller)
        #expect(!answer.isError, "\(answer.text)")

        // Rows handed over before page k is requested: every valid row of pages 0..<k. Nothing piles up.
        let valid = events.map { CreditReports.eventRow($0) != nil }
        var expected: [Int] = []
        var sum = 0
        for page in stride(from: 0, to: events.count, by: 100) {
            expected.append(sum)
            sum += valid[page..<min(page + 100, events.count)].filter { $0 }.count
        }
        #expect(probe.seenAtPage.withLock { $0 } == expected)
        #expect(probe.received.withLock { $0 } == sum)
        #expect(answer.rows == sum)

        let download = try #require(harness.store.lookup(token: try Self.token(in: answer.text)))
        let sheet = try #require(try Self.sheets(download.fileURL)["xl/worksheets/sheet1.xml"])
        #expect(sheet.components(separatedBy: "<row ").count - 1 == sum + 1)
    }

    @Test func builderKeepsOnlyThePreview() {
        var builder = EventReportBuilder(previewLimit: 50)
        var handed = 0
        for page in Self.pages(Self.events(10_000)) {
            handed += builder.add(page).count
            #expect(builder.preview.count <= 50)
        }
        #expect(handed == builder.rows)
        #expect(builder.rows + builder.skipped == 10_000)
        #expect(builder.outOfOrder == 0)
    }

    /// The streamed answer is, character for character, the answer rendered from the whole sorted table
    /// (what the tool computed before streaming): preview, truncation note, total, skipped note.
    @Test func answerEqualsTheWholeTableAnswer() async throws {
        let events = Self.events(1_234)
        let harness = try Self.harness(source: PagedSource(pages: Self.pages(events)) { _ in })
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let answer = await harness.runner.run(.events, arguments: Self.arguments, caller: Self.caller)
        #expect(!answer.isError, "\(answer.text)")

        // The old computation: every row in memory, a stable sort newest first, the total over the table.
        var rows: [[ReportCell]] = []
        var skipped = 0
        for event in events.enumerated().sorted(by: { $0.element.time != $1.element.time ? $0.element.time > $1.element.time : $0.offset < $1.offset }).map(\.element) {
            if let row = CreditReports.eventRow(event) { rows.append(row) } else { skipped += 1 }
        }
        let table = ReportTable(title: CreditTool.events.rawValue, columns: CreditTool.events.columns, rows: rows)
        #expect(skipped == 12)
        let summary = "**Total: \(CreditsFormat.credits(CreditReports.total(table))) credits** across \(rows.count) events.\n\n"
            + "\(skipped) event(s) without a numeric credits value are not listed (they count for nothing in the totals either)."
        let token = try Self.token(in: answer.text)
        let expected = "**AI-credit usage events** for tenant tenant-01, 2026-01-01T00:00:00Z to 2026-01-15T00:00:00Z\n\n"
            + MarkdownReport.render(table: table, previewLimit: 50, summary: summary, emptyMessage: "",
                                    downloadURL: "http://localhost:8765/download/\(token)")
        #expect(answer.text == expected)
        #expect(answer.rows == rows.count)
    }

    @Test func outOfOrderPagesStillPreviewTheNewest() {
        var events = Self.events(300)
        events.swapAt(0, 250)
        events.swapAt(10, 299)
        var builder = EventReportBuilder(previewLimit: 20)
        for page in Self.pages(events) { _ = builder.add(page) }
        // What a stable sort of everything, newest first, would show: ties in arrival order.
        let newest = events.enumerated()
            .sorted { $0.element.time != $1.element.time ? $0.element.time > $1.element.time : $0.offset < $1.offset }
            .compactMap { CreditReports.eventRow($0.element) }.prefix(20)
        #expect(builder.preview == Array(newest))
        #expect(builder.rows == 297)
        #expect(builder.outOfOrder > 0)
    }

    @Test func aRangeBeyondOneSheetContinuesOnTheNextAndSaysSo() async throws {
        let events = (0..<7).map { Self.event($0, time: Self.to - 1 - Int64($0) * 60) }
        var harness = try Self.harness(source: PagedSource(pages: Self.pages(events, size: 2)) { _ in })
        harness.runner.rowsPerSheet = 3
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let answer = await harness.runner.run(.events, arguments: Self.arguments, caller: Self.caller)
        #expect(!answer.isError, "\(answer.text)")
        #expect(answer.rows == 7)
        #expect(answer.text.contains("the Excel file has 3 sheets: get\\_credit\\_events, get\\_credit\\_events 2, get\\_credit\\_events 3."), "\(answer.text)")

        let download = try #require(harness.store.lookup(token: try Self.token(in: answer.text)))
        let parts = try Self.sheets(download.fileURL)
        #expect(parts.keys.filter { $0.hasPrefix("xl/worksheets/") }.sorted() == (1...3).map { "xl/worksheets/sheet\($0).xml" })
        for (index, rows) in [3, 3, 1].enumerated() {
            let sheet = try #require(parts["xl/worksheets/sheet\(index + 1).xml"])
            #expect(sheet.components(separatedBy: "<row ").count - 1 == rows + 1)
        }
        try OpenpyxlCheck.run(download.fileURL, expectedSheets: [("get_credit_events", 3), ("get_credit_events 2", 3), ("get_credit_events 3", 1)],
                              lastCredits: Double(6 % 13) * 0.25 + 0.1)

        // One sheet's worth: no note.
        var single = try Self.harness(source: PagedSource(pages: Self.pages(events)) { _ in })
        single.runner.rowsPerSheet = 7
        defer { try? FileManager.default.removeItem(at: single.directory) }
        let plain = await single.runner.run(.events, arguments: Self.arguments, caller: Self.caller)
        #expect(!plain.text.contains("sheets"), "\(plain.text)")
    }

    @Test func aFailureMidwayLeavesNoFileAndNoSwiftErrorText() async throws {
        struct ConnectionPoolExhaustedError: Error {}
        var source = PagedSource(pages: Self.pages(Self.events(500))) { _ in }
        source.failure = ConnectionPoolExhaustedError()
        let harness = try Self.harness(source: source)
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let answer = await harness.runner.run(.events, arguments: Self.arguments, caller: Self.caller)
        #expect(answer.isError)
        #expect(!answer.text.contains("ConnectionPoolExhausted") && !answer.text.contains("Error"), "\(answer.text)")
        #expect(answer.text.hasPrefix("Could not prepare the report"), "\(answer.text)")
        #expect(harness.store.count == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.directory.path).isEmpty, "a partial file was left behind")
    }

    @Test func openMeterErrorsShowTheirMessageOnly() async throws {
        var source = PagedSource(pages: []) { _ in }
        source.failure = OpenMeterError(kind: .unreachable, message: "OpenMeter is unreachable: connection refused",
                                        detail: "http://10.1.2.3:8888: NIOConnectionError(...)")
        let harness = try Self.harness(source: source)
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let answer = await harness.runner.run(.events, arguments: Self.arguments, caller: Self.caller)
        #expect(answer.text == "Could not read AI-credit usage: OpenMeter is unreachable: connection refused.")
    }

    @Test func argumentErrorsKeepTheirWording() async throws {
        let harness = try Self.harness(source: PagedSource(pages: []) { _ in })
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let tenant = await harness.runner.run(.events, arguments: ["tenant": "x"], caller: Self.caller)
        #expect(tenant.text == "get_credit_events takes no tenant: it always reports on your own tenant. Accepted parameters: from, to.")
        let number = await harness.runner.run(.events, arguments: ["from": 5], caller: Self.caller)
        #expect(number.text == "Invalid \"from\": expected a string such as \"2026-01-15\" or \"2026-01-15T10:00:00Z\".")
    }
}
