/// Line helpers shared by the block and table parsers: CommonMark counts spaces and tabs as blank.
extension StringProtocol {
    var isBlank: Bool { allSatisfy { $0 == " " || $0 == "\t" } }
    var leadingSpaces: Int { prefix { $0 == " " }.count }
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> Substring {
        let text = Substring(self)
        let start = text.firstIndex { $0 != " " && $0 != "\t" } ?? text.endIndex
        let end = text.lastIndex { $0 != " " && $0 != "\t" }.map { text.index(after: $0) } ?? start
        return text[start..<Swift.max(start, end)]
    }
    var trimmedLine: String { String(trimmingSpaces()) }
}
