/// One value in a report: rendered as markdown for the chat and as a typed cell in the Excel file.
public enum ReportCell: Sendable, Equatable {
    case text(String)
    case number(Double)
    /// Unix seconds, UTC.
    case dateTime(Int64)
}

/// How a column is presented: credits are right-aligned with two decimals in markdown and
/// use the `0.00` number format in Excel; date-times are ISO 8601 UTC / Excel date-time cells.
public enum ReportColumnKind: Sendable, Equatable {
    case text, credits, dateTime
}

public struct ReportColumn: Sendable, Equatable {
    public var name: String
    public var kind: ReportColumnKind

    public init(name: String, kind: ReportColumnKind) {
        self.name = name
        self.kind = kind
    }
}

/// The full result of one tool call, shared by the markdown preview and the Excel download.
public struct ReportTable: Sendable {
    /// The tool name; used as the sheet name.
    public var title: String
    public var columns: [ReportColumn]
    public var rows: [[ReportCell]]

    public init(title: String, columns: [ReportColumn], rows: [[ReportCell]]) {
        self.title = title
        self.columns = columns
        self.rows = rows
    }
}
