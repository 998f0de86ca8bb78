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
        let sorted = rows.sorted { a, b in
            if a.value != b.value { return a.value > b.value }
            return keys.map { a.groupBy[$0] ?? "" }.lexicographicallyPrecedes(keys.map { b.groupBy[$0] ?? "" })
        }
        let body = sorted.map { row in keys.map { ReportCell.text(row.groupBy[$0] ?? "") } + [.number(row.value)] }
        return ReportTable(title: CreditTool.usageSummary.rawValue, columns: CreditTool.usageSummary.columns, rows: body)
    }

    /// Newest first. Events whose credits are not a number are left out, as the meter leaves them out of totals.
    static func events(_ events: [OpenMeterClient.CreditEvent]) -> (table: ReportTable, skipped: Int) {
        var skipped = 0
        var body: [[ReportCell]] = []
        body.reserveCapacity(events.count)
        for event in events.sorted(by: { $0.time > $1.time }) {
            guard let credits = number(event.data["credits"]) else {
                skipped += 1
                continue
            }
            var row: [ReportCell] = [.dateTime(event.time)]
            for key in ["user", "module", "product", "tenant"] {
                row.append(.text(text(event.data[key])))
            }
            row.append(.number(credits))
            body.append(row)
        }
        return (ReportTable(title: CreditTool.events.rawValue, columns: CreditTool.events.columns, rows: body), skipped)
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
