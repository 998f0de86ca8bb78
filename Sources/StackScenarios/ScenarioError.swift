/// Why a scenario cannot be listed or loaded.
public enum ScenarioError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No `<name>.yaml` in the directory.
    case notFound(String, available: [String])
    /// The file is not a valid scenario; every problem found, in line order.
    case invalid(file: String, problems: [ScenarioProblem])
    /// The file or directory cannot be read.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let name, let available):
            let known = available.isEmpty ? "there are none" : "known: " + available.joined(separator: ", ")
            return "no scenario named \"\(name)\" (\(known))"
        case .invalid(let file, let problems):
            let lines = problems.map { "  \(file):\($0.line): \($0.location.isEmpty ? "" : $0.location + ": ")\($0.message)" }
            return "\(file) is not a valid scenario:\n" + lines.joined(separator: "\n")
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        }
    }
}

/// One problem of a scenario file: its line, where it is (`step 3 "pay": request.retyr`) and what is wrong.
public struct ScenarioProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var location: String
    public var message: String

    public init(line: Int, location: String, message: String) {
        self.line = line
        self.location = location
        self.message = message
    }

    public var description: String { "line \(line): \(location.isEmpty ? "" : location + ": ")\(message)" }
}
