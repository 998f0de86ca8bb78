import Foundation
import Synchronization

/// Where every child's output goes: its own rotating file (`logs/NAME.log`), the merged `logs/stack.log`
/// (`[name] line`), and, in the foreground, the console with the same prefix (coloured on a terminal).
/// Lines are written whole and in the order they arrive.
public final class LogSink: Sendable {
    public let directory: URL
    private let state: Mutex<State>
    private let console: ConsoleStyle?
    /// Live tails (the dashboard): each gets every line after it subscribed; a slow one drops its oldest.
    private let listeners = Broadcast<LogLine>()

    public enum ConsoleStyle: Sendable {
        case plain
        case coloured
    }

    struct State: ~Copyable {
        var files: [String: RotatingLogFile] = [:]
        var merged: RotatingLogFile
        /// Each process's console prefix, padded (and coloured on a terminal) once, not per line.
        var consolePrefixes: [String: String] = [:]
    }

    private static let palette = ["\u{1B}[36m", "\u{1B}[33m", "\u{1B}[35m", "\u{1B}[32m", "\u{1B}[34m", "\u{1B}[91m"]

    /// `console` nil: files only (detached runs, where the supervisor's own output is a file already).
    public init(directory: URL, console: ConsoleStyle?, names: [String]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.console = console
        var state = State(merged: RotatingLogFile(path: directory.appendingPathComponent("stack.log").path))
        let width = (names + ["stackctl"]).map(\.count).max() ?? 8
        for (index, name) in names.sorted().enumerated() {
            let padded = "[\(name)]".padding(toLength: width + 2, withPad: " ", startingAt: 0)
            let colour = Self.palette[index % Self.palette.count]
            state.consolePrefixes[name] = console == .coloured ? "\(colour)\(padded)\u{1B}[0m " : padded + " "
        }
        self.state = Mutex(state)
    }

    public func path(of process: String) -> URL { directory.appendingPathComponent("\(process).log") }

    /// One line of a child's output (without its newline).
    public func line(_ process: String, _ text: String) {
        let bytes = Array((text + "\n").utf8)
        let prefixed = "[\(process)] \(text)\n"
        state.withLock { state in
            if state.files[process] == nil {
                state.files[process] = RotatingLogFile(path: directory.appendingPathComponent("\(process).log").path)
            }
            state.files[process]!.write(bytes)
            state.merged.write(Array(prefixed.utf8))
            if console != nil {
                Self.writeConsole((state.consolePrefixes[process] ?? "[\(process)] ") + text + "\n")
            }
        }
        publish(LogLine(process: process, line: text))
    }

    /// The supervisor's own line: in the merged log as `[stackctl] …` and on the console as is.
    public func note(_ text: String) {
        let prefixed = "[stackctl] \(text)\n"
        state.withLock { state in
            state.merged.write(Array(prefixed.utf8))
        }
        Self.writeConsole(text + "\n")
        publish(LogLine(process: "stackctl", line: text))
    }

    /// Every line written from now on, as it is written. At most `buffer` lines wait for a slow reader; older ones
    /// are dropped (a live view can always reload the tail).
    public func subscribe(buffer: Int = 2_000) -> AsyncStream<LogLine> {
        listeners.subscribe(buffer: buffer)
    }

    private func publish(_ line: LogLine) { listeners.send(line) }

    private static func writeConsole(_ text: String) {
        ConsoleOutput.standardOutput(text)
    }

    /// The last `count` lines of a process's log (or of the merged log when `process` is nil).
    public func tail(_ process: String?, count: Int) -> [String] {
        let file = directory.appendingPathComponent("\(process ?? "stack").log")
        return Self.tail(of: file, count: count)
    }

    /// Reads backwards from the end in 64 KiB steps until it has `count` lines, so a page asking for the last 200
    /// lines of a 10 MB log reads a few KiB, not the file.
    public static func tail(of file: URL, count: Int) -> [String] {
        guard count > 0, let handle = try? FileHandle(forReadingFrom: file) else { return [] }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return [] }
        var offset = size
        var chunks: [Data] = []
        var newlines = 0
        let step: UInt64 = 64 * 1024
        // One newline more than lines wanted: the first of them may be cut.
        while offset > 0, newlines <= count {
            let start = offset > step ? offset - step : 0
            guard (try? handle.seek(toOffset: start)) != nil, let chunk = try? handle.read(upToCount: Int(offset - start)) else { break }
            newlines += chunk.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
            chunks.append(chunk)
            offset = start
        }
        let data = chunks.reversed().reduce(into: Data()) { $0.append($1) }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        // A line cut at the chunk's start is not whole; it is dropped unless the file was read from its beginning.
        if offset > 0, !lines.isEmpty { lines.removeFirst() }
        return lines.suffix(count).map(String.init)
    }
}
