import BlockingWork
import Foundation
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// One run of a stack process: its keeper (see `ProcessKeeper`), the command the keeper started in its own
/// process group, and the pumps that drain both output streams into the `LogSink`.
final class ChildProcess: Sendable {
    let name: String
    /// The keeper, stackctl's direct child.
    let keeperPID: pid_t
    /// The command itself (`/bin/sh -c …`, which execs a simple command), leader of its own process group.
    let servicePID: pid_t
    let startedAt: ContinuousClock.Instant
    private let outputs: [Int32]
    /// The service as it was at start: the group is only ever signalled while this very process lives.
    private let serviceStamp: ProcessStamp?

    private init(name: String, keeperPID: pid_t, servicePID: pid_t, outputs: [Int32]) {
        self.name = name
        self.keeperPID = keeperPID
        self.servicePID = servicePID
        self.outputs = outputs
        serviceStamp = servicePID == keeperPID ? nil : ProcessStamp.of(servicePID)
        startedAt = .now
    }

    /// Starts `command` through the keeper. Runs on the blocking pool: `PR_SET_PDEATHSIG` fires when the
    /// spawning *thread* exits, and the pool's threads live as long as stackctl (the cooperative pool's may not).
    static func start(name: String, command: String, environment: [String: String], workingDirectory: String?,
                      graceSeconds: Int, keeperExecutable: String) async throws -> ChildProcess {
        try await offCooperativePool {
            let stdout = try PosixSpawn.pipe()
            let stderr = try PosixSpawn.pipe()
            let report = try PosixSpawn.pipe()
            let arguments = [keeperExecutable] + ProcessKeeper.arguments(
                parent: getpid(), graceSeconds: graceSeconds, workingDirectory: workingDirectory,
                command: ["/bin/sh", "-c", shellCommand(command)])
            let keeper: pid_t
            do {
                keeper = try PosixSpawn.spawn(
                    path: keeperExecutable, arguments: arguments, environment: environment,
                    descriptors: .init(stdin: nil, stdout: stdout.write, stderr: stderr.write, report: report.write),
                    newProcessGroup: true)
            } catch {
                [stdout.read, stdout.write, stderr.read, stderr.write, report.read, report.write].forEach { close($0) }
                throw error
            }
            close(stdout.write)
            close(stderr.write)
            close(report.write)
            let service = readReport(report.read)
            close(report.read)
            return ChildProcess(name: name, keeperPID: keeper, servicePID: service ?? keeper, outputs: [stdout.read, stderr.read])
        }
    }

    /// A simple command runs as `exec COMMAND`, so the shell becomes the service: its pid is the service's
    /// and its exit status is the service's own (dash keeps a shell around otherwise). Anything with shell
    /// syntax (lists, pipes, background jobs, subshells, substitutions) is left as written.
    static func shellCommand(_ command: String) -> String {
        let trimmed = command.trimmingCharacters(in: .whitespacesAndNewlines)
        let syntax: Set<Character> = [";", "&", "|", "(", ")", "`", "\n", "<", ">", "$", "{", "}"]
        guard !trimmed.contains(where: { syntax.contains($0) }), !trimmed.hasPrefix("exec ") else { return command }
        return "exec " + trimmed
    }

    /// The service's pid as the keeper writes it on fd 3 (nothing if the keeper failed first).
    private static func readReport(_ fd: Int32) -> pid_t? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 32)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 32) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return pid_t(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Drains stdout and stderr line by line into `sink` until both close (the command and everything it
    /// started are gone), so no line is lost when a process exits.
    func pumpOutput(into sink: LogSink) async {
        await withTaskGroup(of: Void.self) { group in
            for fd in outputs {
                group.addTask { await Self.pump(fd: fd, name: self.name, sink: sink) }
            }
        }
    }

    private static func pump(fd: Int32, name: String, sink: LogSink) async {
        do {
            let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .takingOwnershipOfDescriptor(input: fd) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            try await channel.executeThenClose { inbound, _ in
                var pending: [UInt8] = []
                for try await chunk in inbound {
                    pending += chunk.readableBytesView
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        sink.line(name, String(decoding: pending[..<newline], as: UTF8.self))
                        pending.removeSubrange(...newline)
                    }
                }
                if !pending.isEmpty { sink.line(name, String(decoding: pending, as: UTF8.self)) }
            }
        } catch {
            // A pipe that cannot be read: the lines are lost but the process still runs and is supervised.
            sink.note("cannot read \(name)'s output: \(error)")
        }
    }

    /// Waits for the keeper, which ends the way the command did. On a thread of its own for the whole run:
    /// a blocking `waitpid` on the shared blocking pool would hold one of its few threads per process, and a
    /// larger stack would starve the spawns and probes that need that pool.
    func waitForExit() async -> ExitStatus {
        let keeper = keeperPID
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                var status: Int32 = 0
                while waitpid(keeper, &status, 0) < 0 {
                    if errno != EINTR { break }
                }
                continuation.resume(returning: ExitStatus(raw: status))
            }
            thread.name = "stackctl-wait-\(keeper)"
            thread.stackSize = 64 * 1024
            thread.start()
        }
    }

    /// After the keeper ended: normally it took the command's group with it. If the keeper itself was killed
    /// (`kill -9` of the keeper), the command still runs unwatched and holds the log pipes open: stop it.
    func reapOrphanedService() {
        guard let serviceStamp, serviceStamp.isAlive else { return }
        kill(-servicePID, SIGKILL)
        kill(servicePID, SIGKILL)
    }

    /// Asks the command to stop: the keeper forwards `signal` to the command's whole group.
    func signal(_ signal: Int32) {
        kill(keeperPID, signal)
    }

    /// The last resort after the shutdown timeout: the command's group directly (the keeper then exits too).
    func killGroup() {
        kill(-servicePID, SIGKILL)
    }
}
