import Foundation

/// The scenarios of a directory (`compose/scenarios`): one `<name>.yaml` each.
public struct ScenarioCatalog: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// The names of the directory's `.yaml` files, sorted.
    public func names() throws(ScenarioError) -> [String] {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw .unreadable(path: directory.path, reason: (error as NSError).localizedDescription)
        }
        return files.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Every scenario's summary, sorted by name; a broken file throws, naming it.
    public func summaries() throws -> [ScenarioSummary] {
        try names().map { try Self.load(file: directory.appendingPathComponent($0 + ".yaml")).summary }
    }

    /// The directory is listed only to name the known scenarios when `name` is not one of them.
    public func load(_ name: String) throws -> Scenario {
        let file = directory.appendingPathComponent(name + ".yaml")
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), FileManager.default.fileExists(atPath: file.path) else {
            throw ScenarioError.notFound(name, available: try names())
        }
        return try Self.load(file: file)
    }

    /// One file, whose name (without `.yaml`) must be the scenario's.
    public static func load(file: URL) throws(ScenarioError) -> Scenario {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw .unreadable(path: file.path, reason: (error as NSError).localizedDescription)
        }
        let name = file.deletingPathExtension().lastPathComponent
        return try ScenarioParser.parse(text, file: Self.shown(file), expectedName: name)
    }

    /// Relative to the working directory when inside it, as a user typed it.
    static func shown(_ file: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        let path = file.standardizedFileURL.path
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }
}
