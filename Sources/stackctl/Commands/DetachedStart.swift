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
        // Opened once; each read continues where the last one ended.
        let output = try FileHandle(forReadingFrom: log)
        let errorOutput = try FileHandle(forReadingFrom: errors)
        defer {
            try? output.close()
            try? errorOutput.close()
        }
        func echoNewLines() {
            let data = output.readDataToEndOfFile()
            if !data.isEmpty { ConsoleOutput.standardOutput(data) }
            let errorData = errorOutput.readDataToEndOfFile()
            if !errorData.isEmpty { ConsoleOutput.standardError(errorData) }
        }
        while true {
            echoNewLines()
            if FileManager.default.fileExists(atPath: state.readyFile.path) {
                echoNewLines()
                return 0
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                echoNewLines()
                return ExitStatus(raw: status).code ?? 1
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
