import ArgumentParser
import Foundation
import StackSupervisor

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show the merged log (`[name] line`) or one process's log; -f follows it.",
        discussion: "Logs live in STATE_DIR/logs/ (NAME.log, stack.log merged, stackctl.log for a detached supervisor), rotated at 10 MB with 3 kept.")

    @OptionGroup var stateOptions: StateOptions

    @Argument(help: "A process name; none for the merged log.")
    var name: String?

    @Flag(name: .shortAndLong, help: "Keep printing new lines (Ctrl-C ends).")
    var follow = false

    @Option(help: "Lines from the end to start with.")
    var tail: Int = 100

    func run() async throws {
        let file = stateOptions.state.logs.appendingPathComponent("\(name ?? "stack").log")
        guard FileManager.default.fileExists(atPath: file.path) else {
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: stateOptions.state.logs.path)) ?? [])
                .filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }.sorted()
            throw fail("no log \(file.path)" + (known.isEmpty ? "" : " (logs: \(known.joined(separator: ", ")))"), code: 2)
        }
        // Written straight to the descriptor: a followed log must not sit in stdout's buffer when piped.
        let lines = LogSink.tail(of: file, count: max(tail, 0))
        if !lines.isEmpty { ConsoleOutput.standardOutput(lines.joined(separator: "\n") + "\n") }
        guard follow else { return }
        try await LogFollower(file: file).follow { ConsoleOutput.standardOutput($0) }
    }
}

/// `tail -F` for one log: new bytes as they are written, across rotation (the file shrinks or is replaced).
struct LogFollower {
    let file: URL

    func follow(_ emit: (Data) -> Void) async throws {
        var offset = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? UInt64) ?? 0
        var inode = Self.inode(file)
        while true {
            try await Task.sleep(for: .milliseconds(200))
            let current = Self.inode(file)
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? UInt64) ?? 0
            if current != inode || size < offset {
                inode = current
                offset = 0
            }
            guard size > offset, let handle = try? FileHandle(forReadingFrom: file) else { continue }
            try? handle.seek(toOffset: offset)
            let data = handle.readDataToEndOfFile()
            try? handle.close()
            offset += UInt64(data.count)
            emit(data)
        }
    }

    static func inode(_ file: URL) -> UInt64? {
        (try? FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? UInt64) ?? nil
    }
}
