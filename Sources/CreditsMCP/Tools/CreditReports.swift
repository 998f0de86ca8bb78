import Foundation
import WireFormats

/// Turns OpenMeter's answers into the tools' tables: fixed columns, deterministic row order.
enum CreditReports {
    static func byTenant(tenant: String, rows: [OpenMeterClient.MeterRow]) -> ReportTable {
        let total = rows.reduce(0) { $0 + $1.value }
        let body: [[ReportCell]] = rows.isEmpty ? [] : [[.text(tenant), .number(total)]]
        return ReportTable(title: CreditTool.usageByTenant.rawValue, columns: CreditTool.usageByTenant.columns, rows: body)
    }

    /// Largest first; ties by the group values so the order never depends on OpenMeter's.
    static func summary(rows: [OpenMeterClient.MeterRow]) -> ReportTable {
        let keys = ["user", "module", "product", "tenant", "skill"]
        // Each row's values looked up once, not in every comparison of the sort.
        let keyed = rows.map { row in (value: row.value, values: keys.map { row.groupBy[$0] ?? "" }) }
        let sorted = keyed.sorted { a, b in
            if a.value != b.value { return a.value > b.value }
            return a.values.lexicographicallyPrecedes(b.values)
        }
        let body = sorted.map { row in
            var cells = row.values.map(ReportCell.text)
            cells.append(.number(row.value))
            return cells
        }
        return ReportTable(title: CreditTool.usageSummary.rawValue, columns: CreditTool.usageSummary.columns, rows: body)
    }

    /// One event as a row of the events table; nil when its credits are not a number (the meter
    /// leaves such events out of totals, so the table does too).
    static func eventRow(_ event: OpenMeterClient.CreditEvent) -> [ReportCell]? {
        guard let credits = number(event.data["credits"]) else { return nil }
        var row: [ReportCell] = [.dateTime(event.time)]
        row.reserveCapacity(6)
        for key in ["user", "module", "product", "tenant"] {
            row.append(.text(text(event.data[key])))
        }
        row.append(.number(credits))
        return row
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let n)?: return n.isFinite ? n : nil
        case .string(let s)?: return Double(s).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: return s
        case .number(let n)?: return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b)?: return b ? "true" : "false"
        default: return ""
        }
    }

    static func total(_ table: ReportTable) -> Double {
        guard let index = table.columns.firstIndex(where: { $0.kind == .credits }) else { return 0 }
        return table.rows.reduce(0) { sum, row in
            if case .number(let n) = row[index] { return sum + n }
            return sum
        }
    }
}

/// The events tool's answer, built as OpenMeter's pages arrive: the preview rows, the row and skipped
/// counts and the credits total. Every row is handed on (to the Excel file) and only the preview is kept,
/// so memory does not grow with the range.
///
/// OpenMeter lists events newest first (`OpenMeterClient.forEachEventPage`), so the rows arrive in the
/// answer's order. The preview holds the `previewLimit` newest rows even if a server broke that order
/// (ties keep arrival order, as a stable sort would); `outOfOrder` counts such events for the log.
/// The total adds the credits in arrival order, which is the order the table lists them in.
struct EventReportBuilder {
    let previewLimit: Int
    private(set) var preview: [[ReportCell]] = []
    private(set) var rows = 0
    private(set) var skipped = 0
    private(set) var total = 0.0
    private(set) var outOfOrder = 0
    private var lastTime = Int64.max

    init(previewLimit: Int) {
        self.previewLimit = max(0, previewLimit)
    }

    /// Adds one page; returns its rows, in order, for the file.
    mutating func add(_ events: [OpenMeterClient.CreditEvent]) -> [[ReportCell]] {
        var pageRows: [[ReportCell]] = []
        pageRows.reserveCapacity(events.count)
        for event in events {
            guard let row = CreditReports.eventRow(event) else {
                skipped += 1
                continue
            }
            if event.time > lastTime { outOfOrder += 1 }
            lastTime = event.time
            rows += 1
            if case .number(let credits) = row[row.count - 1] { total += credits }
            keepInPreview(row, time: event.time)
            pageRows.append(row)
        }
        return pageRows
    }

    private mutating func keepInPreview(_ row: [ReportCell], time: Int64) {
        guard previewLimit > 0 else { return }
        if preview.count == previewLimit {
            // Full: only a strictly newer row gets in (on a tie the row that came first stays, as in a stable sort).
            guard let oldest = preview.last, time > Self.time(oldest) else { return }
        }
        // After every kept row at least as new; in order, that is the end (an append).
        var index = preview.count
        while index > 0, Self.time(preview[index - 1]) < time { index -= 1 }
        preview.insert(row, at: index)
        if preview.count > previewLimit { preview.removeLast() }
    }

    private static func time(_ row: [ReportCell]) -> Int64 {
        if case .dateTime(let seconds) = row.first { return seconds }
        return .min
    }
}
