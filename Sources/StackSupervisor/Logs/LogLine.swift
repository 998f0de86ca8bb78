/// One line as a live tail sees it: the process it came from ("stackctl" for the supervisor's notes).
public struct LogLine: Sendable, Equatable, Codable {
    public var process: String
    public var line: String

    public init(process: String, line: String) {
        self.process = process
        self.line = line
    }
}
