import Foundation
import Testing
@testable import StackSupervisor

@Suite struct LogTailTests {
    func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tail-\(UUID().uuidString).log")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func theLastLinesOfALongFileWhole() throws {
        // About 1.3 MB: the tail reads only its end.
        let lines = (1...20_000).map { "line \($0) " + String(repeating: "x", count: 50) }
        let url = try file(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(LogSink.tail(of: url, count: 3) == Array(lines.suffix(3)))
        #expect(LogSink.tail(of: url, count: 5_000) == Array(lines.suffix(5_000)))
        #expect(LogSink.tail(of: url, count: 100_000) == lines)
        #expect(LogSink.tail(of: url, count: 0).isEmpty)
    }

    @Test func linesLongerThanAReadStepAndNoFinalNewline() throws {
        let long = String(repeating: "y", count: 200_000)
        let url = try file("first\n\(long)\nlast")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(LogSink.tail(of: url, count: 1) == ["last"])
        #expect(LogSink.tail(of: url, count: 2) == [long, "last"])
        #expect(LogSink.tail(of: url, count: 10) == ["first", long, "last"])
        #expect(LogSink.tail(of: URL(fileURLWithPath: "/nonexistent/x.log"), count: 5).isEmpty)
    }
}
