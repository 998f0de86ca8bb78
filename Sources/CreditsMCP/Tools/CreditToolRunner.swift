import Foundation
import Logging
import MCP
import WireFormats

/// Runs one tool call for an already-resolved caller: validates arguments, reads OpenMeter,
/// writes the Excel file, renders the markdown answer, logs who asked what.
public struct CreditToolRunner: Sendable {
    let client: OpenMeterClient
    let downloads: DownloadStore
    let meterSlug: String
    let eventType: String
    let linkBase: DownloadLinkBase
    let previewRowLimit: Int
    let logger: Logger

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
    }

    /// A tool's answer: markdown text, `isError` for anything the caller must fix or retry.
    public struct Answer: Sendable, Equatable {
        public var text: String
        public var isError: Bool
        public var rows: Int
    }

    public func run(_ tool: CreditTool, arguments: [String: Value], caller: Caller, now: Date = Date()) async -> Answer {
        let started = ContinuousClock.now
        let range: DateRange
        do {
            try Self.checkArguments(tool, arguments)
            range = try DateRange.parse(from: try Self.string(arguments, "from"), to: try Self.string(arguments, "to"), now: now)
        } catch let error as DateRangeError {
            return log(tool, caller, nil, Answer(text: error.message, isError: true, rows: 0), started)
        } catch {
            return log(tool, caller, nil, Answer(text: "\(error)", isError: true, rows: 0), started)
        }
        do {
            let (table, note) = try await table(for: tool, caller: caller, range: range)
            let fileName = DownloadStore.fileName(report: tool.fileStem, tenant: caller.tenant, from: range.from, to: range.to)
            let download = try downloads.store(tenant: caller.tenant, fileName: fileName) { url in
                try XLSXWriter.write(table, to: url)
            }
            let url = "\(linkBase.url)/download/\(download.token)"
            let text = render(tool, table: table, note: note, caller: caller, range: range, url: url)
            return log(tool, caller, range, Answer(text: text, isError: false, rows: table.rows.count), started)
        } catch let error as OpenMeterError {
            let text = "Could not read AI-credit usage: \(error.message)."
            return log(tool, caller, range, Answer(text: text, isError: true, rows: 0), started, failure: error.message)
        } catch {
            logger.error("tool failed", metadata: ["tool": "\(tool.rawValue)", "error": "\(error)"])
            return log(tool, caller, range, Answer(text: "Could not prepare the report: \(error)", isError: true, rows: 0), started, failure: "\(error)")
        }
    }

    private func table(for tool: CreditTool, caller: Caller, range: DateRange) async throws -> (ReportTable, String?) {
        switch tool {
        case .usageByTenant:
            let rows = try await client.queryMeter(slug: meterSlug, subject: caller.tenant, from: range.fromRFC3339, to: range.toRFC3339, groupBy: [])
            return (CreditReports.byTenant(tenant: caller.tenant, rows: rows), nil)
        case .usageSummary:
            let rows = try await client.queryMeter(
                slug: meterSlug, subject: caller.tenant, from: range.fromRFC3339, to: range.toRFC3339,
                groupBy: ["user", "module", "product", "tenant", "skill"]
            )
            return (CreditReports.summary(rows: rows), nil)
        case .events:
            let events = try await client.events(type: eventType, subject: caller.tenant, from: range.fromRFC3339, to: range.toRFC3339)
            let (table, skipped) = CreditReports.events(events)
            let note = skipped > 0 ? "\(skipped) event(s) without a numeric credits value are not listed (they count for nothing in the totals either)." : nil
            return (table, note)
        }
    }

    private func render(_ tool: CreditTool, table: ReportTable, note: String?, caller: Caller, range: DateRange, url: String) -> String {
        let tenant = MarkdownReport.escape(caller.tenant)
        let period = "\(range.fromRFC3339) to \(range.toRFC3339)"
        var heading = "**\(MarkdownReport.escape(tool.title))** for tenant \(tenant), \(period)"
        if tool == .usageByTenant, let total = table.rows.first.map({ _ in CreditReports.total(table) }) {
            heading += ": **\(CreditsFormat.credits(total)) credits**"
        }
        var summary: String?
        if tool != .usageByTenant, !table.rows.isEmpty {
            let noun = tool == .events ? "events" : "rows"
            summary = "**Total: \(CreditsFormat.credits(CreditReports.total(table))) credits** across \(table.rows.count) \(noun)."
        }
        if let note { summary = [summary, note].compactMap { $0 }.joined(separator: "\n\n") }
        let body = MarkdownReport.render(
            table: table, previewLimit: previewRowLimit, summary: summary,
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
