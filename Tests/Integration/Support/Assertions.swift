import StackClients
import Testing

/// Credits equal up to float noise (the server sums in its own order).
func sameCredits(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) < 1e-6
}

/// Fetches the answer's download link and reads the workbook; records why when that fails.
func downloadSheet(_ stack: StackUnderTest, _ answer: MarkdownAnswer, sourceLocation: SourceLocation = #_sourceLocation) async throws -> XLSXSheet {
    let link = try #require(answer.downloadLink, "no download link in:\n\(answer.text)", sourceLocation: sourceLocation)
    let reply = try await stack.fetch(downloadLink: link)
    try #require(reply.status == 200, "download answered \(reply.status): \(reply.text.prefix(200))", sourceLocation: sourceLocation)
    return try XLSXSheet.read(reply.body)
}

/// None of `markers` (another tenant's users and values) appears in the text or in any cell.
func expectNoForeignData(_ text: String, sheet: XLSXSheet?, markers: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    for marker in markers {
        #expect(!text.contains(marker), "the answer shows \(marker):\n\(text)", sourceLocation: sourceLocation)
        if let sheet {
            let hit = sheet.rows.joined().contains { cell in
                switch cell {
                case .text(let s): s.contains(marker)
                case .number(let n): Double(marker).map { sameCredits(n, $0) } ?? false
                case .empty: false
                }
            }
            #expect(!hit, "the workbook holds \(marker)", sourceLocation: sourceLocation)
        }
    }
}

/// Calls a tool and requires a non-error answer.
func callOK(
    _ client: MCPHTTPClient, _ tool: String, _ arguments: [String: String], sourceLocation: SourceLocation = #_sourceLocation
) async throws -> MarkdownAnswer {
    let result = try await client.callTool(tool, stringArguments: arguments)
    try #require(!result.isError, "\(tool) failed: \(result.text)", sourceLocation: sourceLocation)
    return MarkdownAnswer(result.text)
}
