import Foundation
import StackSupervisor
#if canImport(Glibc)
import Glibc
#endif

/// `up --detach`: starts the supervisor in its own session with its output in `logs/stackctl.log`, shows that
/// output while it starts, and returns once it reports the stack ready (0) or with its exit code.
struct DetachedStart {
    let state: StateDirectory

    func run(arguments: [String]) async throws -> Int32 {
        let log = state.supervisorLog
        let errors = state.supervisorErrors
        let fd = open(log.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let errorFD = open(errors.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0, errorFD >= 0 else { throw fail("cannot write \(log.path)", code: 2) }
        try? FileManager.default.removeItem(at: state.readyFile)
        let executable = UpCommand.executablePath()
        let pid: pid_t
        do {
            pid = try PosixSpawn.spawn(
                path: executable, arguments: [executable] + arguments, environment: nil,
                descriptors: .init(stdin: nil, stdout: fd, stderr: errorFD), newProcessGroup: false, newSession: true)
        } catch {
            close(fd)
            close(errorFD)
            throw fail("\(error)", code: 1)
        }
        close(fd)
        close(errorFD)
        var offset: UInt64 = 0
        var errorOffset: UInt64 = 0
        while true {
            offset = echo(log, from: offset, toStandardError: false)
            errorOffset = echo(errors, from: errorOffset, toStandardError: true)
            if FileManager.default.fileExists(atPath: state.readyFile.path) {
                _ = echo(log, from: offset, toStandardError: false)
                return 0
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                _ = echo(log, from: offset, toStandardError: false)
                _ = echo(errors, from: errorOffset, toStandardError: true)
                let exit = ExitStatus(raw: status)
                return exit.code ?? 1
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Copies what the supervisor wrote to `file` since `offset`.
    private func echo(_ file: URL, from offset: UInt64, toStandardError: Bool) -> UInt64 {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return offset }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        let data = handle.readDataToEndOfFile()
        if !data.isEmpty { toStandardError ? ConsoleOutput.standardError(data) : ConsoleOutput.standardOutput(data) }
        return offset + UInt64(data.count)
    }
}
