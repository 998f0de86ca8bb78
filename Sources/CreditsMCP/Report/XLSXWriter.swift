import Foundation

public struct XLSXWriterError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Writes a `ReportTable` as an Office Open XML workbook (.xlsx): a bold, frozen header row with an
/// autofilter, numbers as numeric cells (credits with format `0.00`), date-times as date-time cells
/// (`yyyy-mm-dd hh:mm:ss`, UTC) and text as inline strings. Rows beyond one sheet's capacity continue
/// on further sheets (`XLSXStreamWriter`, which does the writing and also takes rows as they arrive).
///
/// The XML is built straight into byte buffers and deflated into the ZIP as it goes; the archive is
/// written to a temporary name in the destination directory and renamed into place, so a reader
/// never sees a partial file. The call blocks: async callers run it off the cooperative pool.
public enum XLSXWriter {
    /// Style indices in `xl/styles.xml` (`cellXfs`).
    enum Style {
        static let header = 1
        static let credits = 2
        static let dateTime = 3
    }

    /// Excel's limit on characters in one cell.
    static let maxCellCharacters = 32767

    public static func write(_ table: ReportTable, to url: URL) throws {
        try write(table, to: url, rowsPerSheet: XLSXStreamWriter.maximumRowsPerSheet)
    }

    /// With widths measured on every row and `<dimension>` on every sheet, since all rows are known.
    @discardableResult
    static func write(_ table: ReportTable, to url: URL, rowsPerSheet: Int) throws -> XLSXStreamWriter.Summary {
        let writer = try XLSXStreamWriter(
            destination: url, title: table.title, columns: table.columns, rowsPerSheet: rowsPerSheet,
            columnWidths: columnWidths(columns: table.columns, rows: table.rows), knownRowCount: table.rows.count)
        do {
            try writer.append(table.rows)
        } catch {
            writer.abandon()
            throw error
        }
        return try writer.finish()
    }

    // MARK: - Sheet name

    /// A valid Excel sheet name: no `[]:*?/\`, no control characters, not starting or ending
    /// with `'`, at most 31 characters, not empty and not the reserved `History`.
    public static func sheetName(for title: String) -> String {
        var scalars = String.UnicodeScalarView()
        var utf16Count = 0
        for scalar in title.unicodeScalars {
            if "[]:*?/\\".unicodeScalars.contains(scalar) || scalar.value < 0x20 || scalar.value == 0x7F
                || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                continue
            }
            let width = scalar.utf16.count
            if utf16Count + width > 31 { break }
            utf16Count += width
            scalars.append(scalar)
        }
        var name = String(scalars)
        while let first = name.first, first == "'" || first == " " { name.removeFirst() }
        while let last = name.last, last == "'" || last == " " { name.removeLast() }
        if name.isEmpty { return "Sheet1" }
        if name.lowercased() == "history" { return name + "1" }
        return name
    }

    /// The name of sheet `number` (1-based) of a workbook whose first sheet is `base`: `base` itself,
    /// then `<base> 2`, `<base> 3`, …, with `base` shortened so the name stays within 31 characters.
    static func sheetName(base: String, number: Int) -> String {
        guard number > 1 else { return base }
        let suffix = " \(number)"
        var kept = String.UnicodeScalarView()
        var used = 0
        for scalar in base.unicodeScalars {
            let width = scalar.utf16.count
            if used + width > 31 - suffix.utf16.count { break }
            used += width
            kept.append(scalar)
        }
        var name = String(kept)
        while let last = name.last, last == "'" || last == " " { name.removeLast() }
        return name + suffix
    }

    // MARK: - Sheet XML

    /// Everything before the first data row: root element, optional `<dimension>`, frozen header pane,
    /// column widths, and the header row itself.
    ///
    /// Cells carry no `r` reference (it is optional and readers place cells in order; every
    /// column of a row is written, so positions are exact). Omitting it halves the compressed
    /// size and speeds up deflate, which dominates the writing time.
    static func appendSheetStart(columns: [ReportColumn], widths: [Int], selected: Bool, dimensionRows: Int?, to buffer: inout XMLBuffer) {
        let columnCount = columns.count
        buffer.append("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n\
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
            """)
        if let dimensionRows {
            buffer.append("<dimension ref=\"")
            if columnCount == 0 {
                buffer.append("A1")
            } else {
                buffer.append("A1:")
                buffer.append(bytes: columnLetters(columnCount - 1))
                buffer.append(int: dimensionRows + 1)
            }
            buffer.append("\"/>")
        }
        buffer.append(selected ? "<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\">" : "<sheetViews><sheetView workbookViewId=\"0\">")
        buffer.append("""
            <pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>\
            <selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>\
            <sheetFormatPr defaultRowHeight="15"/>
            """)
        if columnCount > 0 {
            buffer.append("<cols>")
            for index in 0..<columnCount {
                let width = index < widths.count ? widths[index] : 12
                buffer.append("<col min=\"")
                buffer.append(int: index + 1)
                buffer.append("\" max=\"")
                buffer.append(int: index + 1)
                buffer.append("\" width=\"")
                buffer.append(int: width)
                buffer.append("\" customWidth=\"1\"/>")
            }
            buffer.append("</cols>")
        }
        buffer.append("<sheetData><row r=\"1\">")
        for column in columns {
            buffer.append("<c s=\"1\" t=\"inlineStr\"><is>")
            buffer.appendTextElement(column.name)
            buffer.append("</is></c>")
        }
        buffer.append("</row>")
    }

    /// One data row; `number` is its 1-based row number in the sheet (the header is row 1).
    @inline(__always)
    static func appendRow(_ row: [ReportCell], number: Int, columns: [ReportColumn], to buffer: inout XMLBuffer) {
        buffer.append("<row r=\"")
        buffer.append(int: number)
        buffer.append("\">")
        for index in 0..<min(row.count, columns.count) {
            switch row[index] {
            case .text(let text):
                buffer.append("<c t=\"inlineStr\"><is>")
                buffer.appendTextElement(text)
                buffer.append("</is></c>")
            case .number(let value):
                if value.isFinite {
                    buffer.append(columns[index].kind == .credits ? "<c s=\"2\"><v>" : "<c><v>")
                    buffer.append(double: value)
                    buffer.append("</v></c>")
                } else {
                    // Excel has no NaN or infinity; keep the value visible as text.
                    buffer.append("<c t=\"inlineStr\"><is>")
                    buffer.appendTextElement(value.description)
                    buffer.append("</is></c>")
                }
            case .dateTime(let seconds):
                buffer.append("<c s=\"3\"><v>")
                buffer.append(double: excelSerial(unixSeconds: seconds))
                buffer.append("</v></c>")
            }
        }
        buffer.append("</row>")
    }

    /// Closes `sheetData`; the autofilter covers the header and the sheet's `rows` data rows.
    static func appendSheetEnd(columnCount: Int, rows: Int, to buffer: inout XMLBuffer) {
        buffer.append("</sheetData>")
        if columnCount > 0 {
            buffer.append("<autoFilter ref=\"A1:")
            buffer.append(bytes: columnLetters(columnCount - 1))
            buffer.append(int: rows + 1)
            buffer.append("\"/>")
        }
        buffer.append("<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>")
    }

    /// Days since 1899-12-30 (Excel's 1900 date system), UTC.
    public static func excelSerial(unixSeconds: Int64) -> Double {
        // Shift to Excel's epoch (1899-12-30) first so the serial is rounded once, not twice.
        Double(unixSeconds + 25569 * 86400) / 86400
    }

    /// `A`, `B`, …, `Z`, `AA`, … for a zero-based column index.
    static func columnLetters(_ index: Int) -> [UInt8] {
        var n = index + 1
        var letters: [UInt8] = []
        while n > 0 {
            let remainder = (n - 1) % 26
            letters.insert(UInt8(65 + remainder), at: 0)
            n = (n - 1) / 26
        }
        return letters
    }

    /// Column widths in characters from the longest content, between 8 and 60.
    static func columnWidths(columns: [ReportColumn], rows: [[ReportCell]]) -> [Int] {
        var widths = columns.map { $0.name.count + 3 }  // room for the filter button
        for row in rows {
            for index in 0..<min(row.count, widths.count) {
                let length: Int
                switch row[index] {
                case .text(let text):
                    length = text.utf8.count
                case .number(let value):
                    let magnitude = value.magnitude
                    var digits = 1
                    if magnitude.isFinite {
                        var bound = 10.0
                        while magnitude >= bound, digits < 20 {
                            digits += 1
                            bound *= 10
                        }
                    }
                    length = digits + 4
                case .dateTime:
                    length = 19
                }
                if length > widths[index] { widths[index] = length }
            }
        }
        return widths.map { min(max($0 + 2, 8), 60) }
    }

    // MARK: - Fixed parts

    /// The sheet list and each sheet's autofilter range (`_xlnm._FilterDatabase`, local to its sheet).
    static func workbookXML(sheetNames: [String], columnCount: Int, sheetRows: [Int]) -> [UInt8] {
        var buffer = XMLBuffer(capacity: 1024)
        buffer.append("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n\
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <bookViews><workbookView/></bookViews><sheets>
            """)
        for (index, name) in sheetNames.enumerated() {
            buffer.append("<sheet name=\"")
            buffer.appendEscaped(name)
            buffer.append("\" sheetId=\"")
            buffer.append(int: index + 1)
            buffer.append("\" r:id=\"rId")
            buffer.append(int: index + 1)
            buffer.append("\"/>")
        }
        buffer.append("</sheets>")
        if columnCount > 0, !sheetNames.isEmpty {
            buffer.append("<definedNames>")
            for (index, name) in sheetNames.enumerated() {
                buffer.append("<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"")
                buffer.append(int: index)
                buffer.append("\" hidden=\"1\">'")
                buffer.appendEscaped(name.replacingOccurrences(of: "'", with: "''"))
                buffer.append("'!$A$1:$")
                buffer.append(bytes: columnLetters(columnCount - 1))
                buffer.append("$")
                buffer.append(int: (index < sheetRows.count ? sheetRows[index] : 0) + 1)
                buffer.append("</definedName>")
            }
            buffer.append("</definedNames>")
        }
        buffer.append("</workbook>")
        return buffer.bytes
    }

    /// `rId1`…`rId<n>` are the sheets, `rId<n+1>` the styles.
    static func workbookRelsXML(sheetCount: Int) -> [UInt8] {
        var buffer = XMLBuffer(capacity: 512 + sheetCount * 160)
        buffer.append("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            """)
        for index in 1...max(sheetCount, 1) {
            buffer.append("<Relationship Id=\"rId")
            buffer.append(int: index)
            buffer.append("\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet")
            buffer.append(int: index)
            buffer.append(".xml\"/>")
        }
        buffer.append("<Relationship Id=\"rId")
        buffer.append(int: max(sheetCount, 1) + 1)
        buffer.append("\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>")
        return buffer.bytes
    }

    static func contentTypesXML(sheetCount: Int) -> [UInt8] {
        var buffer = XMLBuffer(capacity: 1024 + sheetCount * 160)
        buffer.append("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" \
            ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
            """)
        for index in 1...max(sheetCount, 1) {
            buffer.append("<Override PartName=\"/xl/worksheets/sheet")
            buffer.append(int: index)
            buffer.append(".xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>")
        }
        buffer.append("""
            <Override PartName="/xl/styles.xml" \
            ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            </Types>
            """)
        return buffer.bytes
    }

    static func bytes(_ text: StaticString) -> [UInt8] {
        text.withUTF8Buffer { Array($0) }
    }

    static let rootRelsXML: StaticString = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" \
        Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
        Target="xl/workbook.xml"/>\
        </Relationships>
        """

    /// cellXfs: 0 default, 1 bold header, 2 credits `0.00`, 3 date-time `yyyy-mm-dd hh:mm:ss`.
    static let stylesXML: StaticString = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <numFmts count="2"><numFmt numFmtId="164" formatCode="0.00"/>\
        <numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>\
        <fonts count="2">\
        <font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
        <font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
        </fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill>\
        <fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="4">\
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        </cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """
}

/// An append-only UTF-8 byte buffer for XML.
struct XMLBuffer {
    var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func append(bytes other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    mutating func append(int value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            append(uint: UInt64(value.magnitude))
        } else {
            append(uint: UInt64(value))
        }
    }

    mutating func append(uint value: UInt64) {
        if value < 10 {
            bytes.append(48 + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[count] = 48 + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                bytes.append(raw[index])
            }
        }
    }

    /// A finite Double in full (shortest round-trip) precision; integral values without `.0`.
    mutating func append(double value: Double) {
        if value == value.rounded(.towardZero), value.magnitude < 1e15 {
            if value == 0 {
                bytes.append(48)
            } else {
                append(int: Int(value))
            }
            return
        }
        for byte in value.description.utf8 {
            bytes.append(byte == UInt8(ascii: "e") ? UInt8(ascii: "E") : byte)
        }
    }

    /// `<t>` (with `xml:space="preserve"` when needed) containing the escaped text.
    mutating func appendTextElement(_ text: String) {
        var text = text
        if text.utf16.count > XLSXWriter.maxCellCharacters {
            text = Self.prefix(text, utf16Units: XLSXWriter.maxCellCharacters)
        }
        let utf8 = text.utf8
        if let first = utf8.first, let last = utf8.last, Self.isXMLSpace(first) || Self.isXMLSpace(last) {
            append("<t xml:space=\"preserve\">")
        } else {
            append("<t>")
        }
        appendEscaped(text, excelEscapes: true)
        append("</t>")
    }

    /// XML-escaped text (`&`, `<`, `>`, `"`, CR kept as `&#13;`), without characters XML 1.0 forbids.
    /// With `excelEscapes`, a literal `_xHHHH_` is protected from Excel's unescaping as `_x005F_xHHHH_`.
    mutating func appendEscaped(_ text: String, excelEscapes: Bool = false) {
        var source = text
        source.withUTF8 { source in
            let count = source.count
            var index = 0
            while index < count {
                let byte = source[index]
                switch byte {
                case UInt8(ascii: "&"): append("&amp;")
                case UInt8(ascii: "<"): append("&lt;")
                case UInt8(ascii: ">"): append("&gt;")
                case UInt8(ascii: "\""): append("&quot;")
                case 0x0D: append("&#13;")
                case 0x09, 0x0A: bytes.append(byte)
                case 0x00..<0x20: break  // not allowed in XML 1.0
                case 0xEF where index + 2 < count && source[index + 1] == 0xBF && (source[index + 2] == 0xBE || source[index + 2] == 0xBF):
                    index += 2  // U+FFFE, U+FFFF: not allowed in XML 1.0
                case UInt8(ascii: "_") where excelEscapes && Self.isExcelEscape(source, at: index):
                    append("_x005F_")
                default:
                    bytes.append(byte)
                }
                index += 1
            }
        }
    }

    /// `_xHHHH_` at `index`.
    static func isExcelEscape(_ source: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + 6 < source.count, source[index + 1] == UInt8(ascii: "x") || source[index + 1] == UInt8(ascii: "X"),
              source[index + 6] == UInt8(ascii: "_") else { return false }
        for offset in 2...5 {
            let c = source[index + offset]
            let isHex = (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
            if !isHex { return false }
        }
        return true
    }

    static func isXMLSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    static func prefix(_ text: String, utf16Units limit: Int) -> String {
        var scalars = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let width = scalar.utf16.count
            if used + width > limit { break }
            used += width
            scalars.append(scalar)
        }
        return String(scalars)
    }
}
