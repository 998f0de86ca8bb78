import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// The first worksheet of an .xlsx file, read with ZIPFoundation and XMLParser: enough of Office
/// Open XML to check what a downloaded report holds (inline, shared and formula strings, numbers).
struct XLSXSheet {
    enum Cell: Equatable, CustomStringConvertible {
        case text(String)
        case number(Double)
        case empty

        var description: String {
            switch self {
            case .text(let s): "\"\(s)\""
            case .number(let n): "\(n)"
            case .empty: "<empty>"
            }
        }

        var number: Double? { if case .number(let n) = self { n } else { nil } }
        var text: String? { if case .text(let s) = self { s } else { nil } }
    }

    /// Cell values row by row (gaps filled with `.empty`).
    var rows: [[Cell]]
    /// The style index (`s`) of each cell, `nil` when it has none.
    var styles: [[Int?]]
    /// The first sheet's name from `xl/workbook.xml`.
    var sheetName: String?

    static func read(_ bytes: [UInt8]) throws -> XLSXSheet {
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            return data
        }
        guard let sheetXML = try part("xl/worksheets/sheet1.xml") else {
            throw StackTestError("the workbook has no xl/worksheets/sheet1.xml")
        }
        let shared = try part("xl/sharedStrings.xml").map(SharedStringsReader.read) ?? []
        let sheet = SheetReader(sharedStrings: shared)
        let parser = XMLParser(data: sheetXML)
        parser.delegate = sheet
        guard parser.parse() else {
            throw StackTestError("sheet1.xml is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        var name: String?
        if let workbook = try part("xl/workbook.xml") {
            let reader = WorkbookReader()
            let workbookParser = XMLParser(data: workbook)
            workbookParser.delegate = reader
            _ = workbookParser.parse()
            name = reader.firstSheetName
        }
        return XLSXSheet(rows: sheet.rows, styles: sheet.styles, sheetName: name)
    }

    /// Zero-based column of a cell reference such as `C12`.
    static func column(of reference: String) -> Int? {
        var value = 0
        var sawLetter = false
        for scalar in reference.unicodeScalars {
            guard scalar.value >= 65, scalar.value <= 90 else { break }
            value = value * 26 + Int(scalar.value - 64)
            sawLetter = true
        }
        return sawLetter ? value - 1 : nil
    }
}

private final class SheetReader: NSObject, XMLParserDelegate {
    let sharedStrings: [String]
    var rows: [[XLSXSheet.Cell]] = []
    var styles: [[Int?]] = []
    private var cellType: String?
    private var cellStyle: Int?
    private var cellColumn: Int?
    private var value = ""
    private var collecting = false
    private var inCell = false

    init(sharedStrings: [String]) {
        self.sharedStrings = sharedStrings
    }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch element {
        case "row":
            rows.append([])
            styles.append([])
        case "c":
            inCell = true
            cellType = attributes["t"]
            cellStyle = attributes["s"].flatMap(Int.init)
            cellColumn = attributes["r"].flatMap(XLSXSheet.column(of:))
            value = ""
        case "v", "t":
            if inCell { collecting = true }
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { value += string }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        switch element {
        case "v", "t":
            collecting = false
        case "c":
            inCell = false
            guard !rows.isEmpty else { return }
            let cell: XLSXSheet.Cell
            switch cellType {
            case "inlineStr", "str": cell = .text(value)
            case "s": cell = Int(value).flatMap { $0 < sharedStrings.count ? .text(sharedStrings[$0]) : nil } ?? .empty
            case "b": cell = .number(Double(value) ?? 0)
            default: cell = value.isEmpty ? .empty : (Double(value).map { .number($0) } ?? .text(value))
            }
            let index = rows.count - 1
            let column = cellColumn ?? rows[index].count
            while rows[index].count < column {
                rows[index].append(.empty)
                styles[index].append(nil)
            }
            rows[index].append(cell)
            styles[index].append(cellStyle)
        default:
            break
        }
    }
}

private final class SharedStringsReader: NSObject, XMLParserDelegate {
    var strings: [String] = []
    private var current = ""
    private var collecting = false

    static func read(_ data: Data) -> [String] {
        let reader = SharedStringsReader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        _ = parser.parse()
        return reader.strings
    }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if element == "si" { current = "" }
        if element == "t" { collecting = true }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        if element == "t" { collecting = false }
        if element == "si" { strings.append(current) }
    }
}

private final class WorkbookReader: NSObject, XMLParserDelegate {
    var firstSheetName: String?

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if element == "sheet", firstSheetName == nil { firstSheetName = attributes["name"] }
    }
}
