import CSpawn
#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn with what Foundation's `Process` cannot do: a new process group, default signal
/// dispositions and an empty mask (so an ignored SIGPIPE or a blocked SIGTERM never leaks into a child),
/// chosen descriptors mapped onto 0, 1, 2 (and 3), and everything else closed.
public enum PosixSpawn {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Descriptors the child gets: `stdio[i]` becomes fd i (nil: /dev/null for 0, inherited for 1 and 2);
    /// `report`, when given, becomes fd 3.
    public struct Descriptors {
        public var stdin: Int32?
        public var stdout: Int32?
        public var stderr: Int32?
        public var report: Int32?

        public init(stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil, report: Int32? = nil) {
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
            self.report = report
        }
    }

    /// Signals reset to their default disposition in the child.
    static let resetSignals: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM, SIGPWR]

    public static func spawn(path: String, arguments: [String], environment: [String: String]?, descriptors: Descriptors,
                      newProcessGroup: Bool, newSession: Bool = false, workingDirectory: String? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin = descriptors.stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if let stdout = descriptors.stdout { posix_spawn_file_actions_adddup2(&actions, stdout, 1) }
        if let stderr = descriptors.stderr { posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        if let report = descriptors.report {
            posix_spawn_file_actions_adddup2(&actions, report, 3)
            cspawn_addclosefrom(&actions, 4)
        } else {
            cspawn_addclosefrom(&actions, 3)
        }
        if let workingDirectory { cspawn_addchdir(&actions, workingDirectory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        // POSIX_SPAWN_SETSID (glibc 2.26): a detached supervisor outlives the terminal and the `up` that started it.
        if newSession { flags |= Int32(cspawn_setsid_flag()) }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in resetSignals { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environmentLines = (environment ?? [:]).map { "\($0.key)=\($0.value)" }
        let envp = environmentLines.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let result: Int32
        if environment != nil {
            result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        } else {
            result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        }
        guard result == 0 else {
            throw Failure(description: "cannot start \(path): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// A pipe whose both ends close on exec; posix_spawn's dup2 clears that flag on the child's copy only.
    public static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard cspawn_pipe_cloexec(&fds) == 0 else {
            throw Failure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }
}
