import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a workbook row by row: each row's XML goes into a buffer that is deflated into the sheet's
/// ZIP entry whenever it holds `flushThreshold` bytes, so memory stays the same for ten rows or ten
/// million. The XML parts that depend on the row count (the autofilter, the workbook's sheet list and
/// filter names, `[Content_Types].xml`) are written after the rows; `<dimension>`, which is optional and
/// would have to precede them, is written only when the row count is known up front.
///
/// A sheet holds at most `rowsPerSheet` data rows below its header (Excel's limit: 1,048,575); the rows
/// after that continue on `<name> 2`, `<name> 3`, …, each with the same header.
///
/// Column widths are fixed before the first row is written: given, or measured on the first
/// `widthSampleRows` rows (buffered until then).
///
/// Every call blocks (XML encoding, compression, file writes): run them off the cooperative pool.
/// The file is written under a temporary name beside `destination` and renamed into place by `finish`,
/// so a reader never sees a partial file; `abandon` removes it.
final class XLSXStreamWriter: Sendable {
    /// What was written.
    struct Summary: Sendable, Equatable {
        var rows: Int
        var sheetNames: [String]
        /// Data rows of each sheet.
        var sheetRows: [Int]
    }

    /// Excel's rows per sheet (1,048,576) minus the header row.
    static let maximumRowsPerSheet = 1_048_575

    let destination: URL
    let temporaryURL: URL
    private let zip: ZIPStreamWriter
    private let state: Mutex<State>

    private struct State {
        let columns: [ReportColumn]
        let baseSheetName: String
        let rowsPerSheet: Int
        let knownRowCount: Int?
        let widthSampleRows: Int
        let flushThreshold: Int
        let modified: Date
        var widths: [Int]?
        var sample: [[ReportCell]] = []
        var buffer: XMLBuffer
        var sheetNames: [String] = []
        var sheetRows: [Int] = []
        var sheetOpen = false
        var rowsInSheet = 0
        var totalRows = 0
        var done = false
    }

    /// - Parameters:
    ///   - destination: the final file; replaced if it exists.
    ///   - title: the first sheet's name (made valid with `XLSXWriter.sheetName(for:)`).
    ///   - rowsPerSheet: data rows per sheet before the next one starts (at most Excel's limit).
    ///   - columnWidths: widths in characters; nil measures the first `widthSampleRows` rows.
    ///   - knownRowCount: the total number of rows when known before writing; adds `<dimension>`.
    init(
        destination: URL, title: String, columns: [ReportColumn], rowsPerSheet: Int = maximumRowsPerSheet,
        columnWidths: [Int]? = nil, knownRowCount: Int? = nil, widthSampleRows: Int = 1000, flushThreshold: Int = 1 << 18
    ) throws {
        self.destination = destination
        let directory = destination.deletingLastPathComponent()
        temporaryURL = directory.appendingPathComponent(".\(destination.lastPathComponent).\(UInt64.random(in: 0...UInt64.max)).tmp")
        zip = try ZIPStreamWriter(path: temporaryURL.path)
        var buffer = XMLBuffer(capacity: flushThreshold + 64 * 1024)
        buffer.bytes.removeAll(keepingCapacity: true)
        state = Mutex(State(
            columns: columns, baseSheetName: XLSXWriter.sheetName(for: title),
            rowsPerSheet: max(1, min(rowsPerSheet, Self.maximumRowsPerSheet)), knownRowCount: knownRowCount,
            widthSampleRows: max(1, widthSampleRows), flushThreshold: max(1024, flushThreshold), modified: Date(),
            widths: columnWidths, buffer: buffer))
        do {
            try zip.beginEntry("_rels/.rels")
            try zip.write(XLSXWriter.bytes(XLSXWriter.rootRelsXML))
            try zip.endEntry()
            try zip.beginEntry("xl/styles.xml")
            try zip.write(XLSXWriter.bytes(XLSXWriter.stylesXML))
            try zip.endEntry()
        } catch {
            abandon()
            throw error
        }
    }

    /// Adds rows below the ones written so far.
    func append<Rows: Sequence<[ReportCell]>>(_ rows: Rows) throws {
        let zip = self.zip
        try state.withLock { state in
            guard !state.done else { throw XLSXWriterError(description: "rows added to a finished workbook") }
            if state.widths == nil {
                state.sample.append(contentsOf: rows)
                guard state.sample.count >= state.widthSampleRows else { return }
                try Self.settleWidths(&state, zip)
                return
            }
            for row in rows { try Self.write(row, &state, zip) }
        }
    }

    /// Ends the last sheet, writes the workbook parts and moves the file into place.
    @discardableResult
    func finish() throws -> Summary {
        let zip = self.zip
        do {
            let summary = try state.withLock { state in
                guard !state.done else { throw XLSXWriterError(description: "workbook finished twice") }
                if state.widths == nil { try Self.settleWidths(&state, zip) }
                if !state.sheetOpen, state.sheetNames.isEmpty { try Self.openSheet(&state, zip) }
                if state.sheetOpen { try Self.closeSheet(&state, zip) }
                state.done = true
                let sheetCount = state.sheetNames.count
                let parts: [(String, [UInt8])] = [
                    ("xl/workbook.xml", XLSXWriter.workbookXML(sheetNames: state.sheetNames, columnCount: state.columns.count, sheetRows: state.sheetRows)),
                    ("xl/_rels/workbook.xml.rels", XLSXWriter.workbookRelsXML(sheetCount: sheetCount)),
                    ("[Content_Types].xml", XLSXWriter.contentTypesXML(sheetCount: sheetCount)),
                ]
                for (name, bytes) in parts {
                    try zip.beginEntry(name, modified: state.modified)
                    try zip.write(bytes)
                    try zip.endEntry()
                }
                try zip.finish(centralDirectoryOrder: [
                    "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                ])
                return Summary(rows: state.totalRows, sheetNames: state.sheetNames, sheetRows: state.sheetRows)
            }
            try Self.moveIntoPlace(temporaryURL, destination)
            return summary
        } catch {
            abandon()
            throw error
        }
    }

    /// Stops writing and removes the temporary file. Safe to call at any point, also twice.
    func abandon() {
        state.withLock { $0.done = true }
        zip.abandon()
        unlink(temporaryURL.path)
    }

    // MARK: - Rows and sheets

    private static func settleWidths(_ state: inout State, _ zip: ZIPStreamWriter) throws {
        state.widths = XLSXWriter.columnWidths(columns: state.columns, rows: state.sample)
        let sample = state.sample
        state.sample = []
        for row in sample { try write(row, &state, zip) }
    }

    private static func write(_ row: [ReportCell], _ state: inout State, _ zip: ZIPStreamWriter) throws {
        if !state.sheetOpen || state.rowsInSheet >= state.rowsPerSheet {
            if state.sheetOpen { try closeSheet(&state, zip) }
            try openSheet(&state, zip)
        }
        state.rowsInSheet += 1
        state.totalRows += 1
        XLSXWriter.appendRow(row, number: state.rowsInSheet + 1, columns: state.columns, to: &state.buffer)
        if state.buffer.bytes.count >= state.flushThreshold { try flush(&state, zip) }
    }

    private static func flush(_ state: inout State, _ zip: ZIPStreamWriter) throws {
        guard !state.buffer.bytes.isEmpty else { return }
        try zip.write(state.buffer.bytes)
        state.buffer.bytes.removeAll(keepingCapacity: true)
    }

    private static func openSheet(_ state: inout State, _ zip: ZIPStreamWriter) throws {
        let index = state.sheetNames.count
        let name = XLSXWriter.sheetName(base: state.baseSheetName, number: index + 1)
        try zip.beginEntry("xl/worksheets/sheet\(index + 1).xml", modified: state.modified)
        var dimensionRows: Int?
        if let known = state.knownRowCount {
            let before = state.rowsPerSheet * index
            dimensionRows = max(0, min(state.rowsPerSheet, known - before))
        }
        XLSXWriter.appendSheetStart(
            columns: state.columns, widths: state.widths ?? [], selected: index == 0, dimensionRows: dimensionRows, to: &state.buffer)
        state.sheetNames.append(name)
        state.sheetOpen = true
        state.rowsInSheet = 0
    }

    private static func closeSheet(_ state: inout State, _ zip: ZIPStreamWriter) throws {
        XLSXWriter.appendSheetEnd(columnCount: state.columns.count, rows: state.rowsInSheet, to: &state.buffer)
        try flush(&state, zip)
        try zip.endEntry()
        state.sheetRows.append(state.rowsInSheet)
        state.sheetOpen = false
    }

    private static func moveIntoPlace(_ from: URL, _ to: URL) throws {
        let status = from.withUnsafeFileSystemRepresentation { from in
            to.withUnsafeFileSystemRepresentation { to -> Int32 in
                guard let from, let to else { return -1 }
                return rename(from, to)
            }
        }
        guard status == 0 else {
            throw XLSXWriterError(description: "cannot move the workbook to \(to.path): \(String(cString: strerror(errno)))")
        }
    }
}
