import BlockingWork
import Foundation
import Logging
import MCP
import WireFormats

/// Runs one tool call for an already-resolved caller: validates arguments, reads OpenMeter,
/// writes the Excel file, renders the markdown answer, logs who asked what.
///
/// The events tool streams: each page from OpenMeter goes straight into the Excel file and only the
/// preview rows and running counts stay in memory, so a range of any size (up to
/// `OpenMeterClient.maximumEvents`) takes the same memory. Writing the file runs on `BlockingWorkPool`.
///
/// Error texts shown to the caller never carry OpenMeter's address or a raw Swift error; the log line does.
public struct CreditToolRunner: Sendable {
    let client: OpenMeterClient
    let downloads: DownloadStore
    let meterSlug: String
    let eventType: String
    let linkBase: DownloadLinkBase
    let previewRowLimit: Int
    let logger: Logger
    /// Where the events tool reads its pages (the OpenMeter client; tests substitute one).
    var eventSource: any CreditEventSource
    /// Data rows per Excel sheet before the next sheet starts (Excel's limit; tests lower it).
    var rowsPerSheet = XLSXStreamWriter.maximumRowsPerSheet
    /// The most events the events tool reads.
    var maximumEvents = OpenMeterClient.maximumEvents
    /// Wraps the events tool's workbook writer (tests wrap it to watch the rows handed over).
    var makeRowSink: @Sendable (XLSXStreamWriter) -> any ReportRowSink = { WorkbookRowSink(writer: $0) }

    public init(
        client: OpenMeterClient, downloads: DownloadStore, configuration: CreditsMCPConfiguration,
        linkBase: DownloadLinkBase? = nil, logger: Logger
    ) {
        self.client = client
        self.downloads = downloads
        meterSlug = configuration.meterSlug
        eventType = configuration.eventType
        self.linkBase = linkBase ?? DownloadLinkBase(configuration: configuration)
        previewRowLimit = configuration.previewRowLimit
        self.logger = logger
        eventSource = client
    }

    /// A tool's answer: markdown text, `isError` for anything the caller must fix or retry.
    public struct Answer: Sendable, Equatable {
        public var text: String
        public var isError: Bool
        public var rows: Int
    }

    /// What the answer is rendered from: the first rows, the counts, the notes, and the written file.
    struct Report {
        var columns: [ReportColumn]
        var preview: [[ReportCell]]
        var rows: Int
        var total: Double
        var notes: [String] = []
        var download: Download
    }

    public func run(_ tool: CreditTool, arguments: [String: Value], caller: Caller, now: Date = Date()) async -> Answer {
        let started = ContinuousClock.now
        let range: DateRange
        do {
            try Self.checkArguments(tool, arguments)
            range = try DateRange.parse(from: try Self.string(arguments, "from"), to: try Self.string(arguments, "to"), now: now)
        } catch let error as DateRangeError {
            return log(tool, caller, nil, Answer(text: error.message, isError: true, rows: 0), started)
        } catch let error as ToolArgumentError {
            return log(tool, caller, nil, Answer(text: error.description, isError: true, rows: 0), started)
        } catch {
            let text = "The arguments could not be read. Accepted parameters: from, to (ISO 8601, e.g. \"2026-01-15\" or \"2026-01-15T10:00:00Z\")."
            return log(tool, caller, nil, Answer(text: text, isError: true, rows: 0), started, failure: "\(error)")
        }
        do {
            let fileName = DownloadStore.fileName(report: tool.fileStem, tenant: caller.tenant, from: range.from, to: range.to)
            let report = switch tool {
            case .usageByTenant, .usageSummary: try await tableReport(tool, caller: caller, range: range, fileName: fileName)
            case .events: try await eventsReport(caller: caller, range: range, fileName: fileName)
            }
            let url = "\(linkBase.url)/download/\(report.download.token)"
            let text = render(tool, report: report, caller: caller, range: range, url: url)
            return log(tool, caller, range, Answer(text: text, isError: false, rows: report.rows), started)
        } catch let error as OpenMeterError {
            let text = "Could not read AI-credit usage: \(error.message)."
            return log(tool, caller, range, Answer(text: text, isError: true, rows: 0), started, failure: error.logDescription)
        } catch {
            logger.error("tool failed", metadata: ["tool": "\(tool.rawValue)", "error": "\(error)"])
            let text = "Could not prepare the report because of an internal error. Please try again; if it keeps failing, ask your administrator to check credits-mcp's log."
            return log(tool, caller, range, Answer(text: text, isError: true, rows: 0), started, failure: "\(error)")
        }
    }

    /// Totals and the summary: a small table from the meter query, written to the file in one go.
    private func tableReport(_ tool: CreditTool, caller: Caller, range: DateRange, fileName: String) async throws -> Report {
        let table: ReportTable
        switch tool {
        case .usageByTenant:
            let rows = try await client.queryMeter(slug: meterSlug, subject: caller.tenant, from: range.fromRFC3339, to: range.toRFC3339, groupBy: [])
            table = CreditReports.byTenant(tenant: caller.tenant, rows: rows)
        default:
            let rows = try await client.queryMeter(
                slug: meterSlug, subject: caller.tenant, from: range.fromRFC3339, to: range.toRFC3339,
                groupBy: ["user", "module", "product", "tenant", "skill"]
            )
            table = CreditReports.summary(rows: rows)
        }
        let downloads = self.downloads
        let reservation = downloads.reserve()
        do {
            try await offCooperativePool { try XLSXWriter.write(table, to: reservation.fileURL) }
        } catch {
            _ = try? await offCooperativePool { downloads.discard(reservation) }
            throw error
        }
        let download = downloads.commit(reservation, tenant: caller.tenant, fileName: fileName)
        return Report(
            columns: table.columns, preview: Array(table.rows.prefix(max(0, previewRowLimit))), rows: table.rows.count,
            total: CreditReports.total(table), download: download)
    }

    /// The events: OpenMeter's pages flow into the workbook as they arrive; only the preview is kept.
    private func eventsReport(caller: Caller, range: DateRange, fileName: String) async throws -> Report {
        let downloads = self.downloads
        let reservation = downloads.reserve()
        let columns = CreditTool.events.columns
        let rowsPerSheet = self.rowsPerSheet
        let sink: any ReportRowSink
        do {
            let writer = try await offCooperativePool {
                try XLSXStreamWriter(destination: reservation.fileURL, title: CreditTool.events.rawValue, columns: columns, rowsPerSheet: rowsPerSheet)
            }
            sink = makeRowSink(writer)
        } catch {
            _ = try? await offCooperativePool { downloads.discard(reservation) }
            throw error
        }
        var builder = EventReportBuilder(previewLimit: previewRowLimit)
        let written: XLSXStreamWriter.Summary
        do {
            try await eventSource.forEachEventPage(
                type: eventType, subject: caller.tenant, from: range.fromRFC3339, to: range.toRFC3339, maximumEvents: maximumEvents
            ) { events in
                let rows = builder.add(events)
                if !rows.isEmpty { try await sink.append(rows) }
            }
            written = try await sink.finish()
        } catch {
            await sink.abandon()
            _ = try? await offCooperativePool { downloads.discard(reservation) }
            throw error
        }
        if builder.outOfOrder > 0 {
            logger.warning("OpenMeter listed events out of time order; the preview is newest first, the Excel file keeps OpenMeter's order", metadata: [
                "tenant": "\(caller.tenant)", "events_out_of_order": "\(builder.outOfOrder)",
            ])
        }
        let download = downloads.commit(reservation, tenant: caller.tenant, fileName: fileName)
        var notes: [String] = []
        if builder.skipped > 0 {
            notes.append("\(builder.skipped) event(s) without a numeric credits value are not listed (they count for nothing in the totals either).")
        }
        if written.sheetNames.count > 1 {
            let names = written.sheetNames.map { MarkdownReport.escape($0) }.joined(separator: ", ")
            notes.append("The range has more events than one Excel sheet holds (\(rowsPerSheet) rows), so the Excel file has \(written.sheetNames.count) sheets: \(names).")
        }
        return Report(columns: columns, preview: builder.preview, rows: builder.rows, total: builder.total, notes: notes, download: download)
    }

    private func render(_ tool: CreditTool, report: Report, caller: Caller, range: DateRange, url: String) -> String {
        let tenant = MarkdownReport.escape(caller.tenant)
        let period = "\(range.fromRFC3339) to \(range.toRFC3339)"
        var heading = "**\(MarkdownReport.escape(tool.title))** for tenant \(tenant), \(period)"
        if tool == .usageByTenant, report.rows > 0 {
            heading += ": **\(CreditsFormat.credits(report.total)) credits**"
        }
        var parts: [String] = []
        if tool != .usageByTenant, report.rows > 0 {
            let noun = tool == .events ? "events" : "rows"
            parts.append("**Total: \(CreditsFormat.credits(report.total)) credits** across \(report.rows) \(noun).")
        }
        parts += report.notes
        let body = MarkdownReport.render(
            columns: report.columns, preview: report.preview, totalRows: report.rows, previewLimit: previewRowLimit,
            summary: parts.isEmpty ? nil : parts.joined(separator: "\n\n"),
            emptyMessage: "No AI-credit usage for tenant \(caller.tenant) between \(range.fromRFC3339) and \(range.toRFC3339).",
            downloadURL: url
        )
        return heading + "\n\n" + body
    }

    private func log(_ tool: CreditTool, _ caller: Caller, _ range: DateRange?, _ answer: Answer, _ started: ContinuousClock.Instant, failure: String? = nil) -> Answer {
        let ms = (ContinuousClock.now - started).components
        let duration = Double(ms.seconds) * 1000 + Double(ms.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "tenant": "\(caller.tenant)", "tool": "\(tool.rawValue)", "rows": "\(answer.rows)",
            "duration_ms": "\(String(format: "%.1f", duration))",
        ]
        if let range { metadata["range"] = "\(range.fromRFC3339)..\(range.toRFC3339)" }
        if let user = caller.user { metadata["user"] = "\(user)" }
        if let failure { metadata["error"] = "\(failure)" }
        logger.info(answer.isError ? "tool call failed" : "tool call", metadata: metadata)
        return answer
    }

    static let acceptedArguments: Set<String> = ["from", "to"]

    static func checkArguments(_ tool: CreditTool, _ arguments: [String: Value]) throws {
        let unknown = arguments.keys.filter { !acceptedArguments.contains($0) }.sorted()
        guard unknown.isEmpty else {
            if unknown.contains(where: { $0.lowercased().contains("tenant") }) {
                throw ToolArgumentError("\(tool.rawValue) takes no tenant: it always reports on your own tenant. Accepted parameters: from, to.")
            }
            throw ToolArgumentError("\(tool.rawValue) does not take \(unknown.joined(separator: ", ")). Accepted parameters: from, to (ISO 8601, e.g. \"2026-01-15\" or \"2026-01-15T10:00:00Z\").")
        }
    }

    static func string(_ arguments: [String: Value], _ name: String) throws -> String? {
        guard let value = arguments[name] else { return nil }
        switch value {
        case .null: return nil
        case .string(let s): return s.trimmingCharacters(in: .whitespaces).isEmpty ? nil : s
        default:
            throw ToolArgumentError("Invalid \"\(name)\": expected a string such as \"2026-01-15\" or \"2026-01-15T10:00:00Z\".")
        }
    }
}

struct ToolArgumentError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
