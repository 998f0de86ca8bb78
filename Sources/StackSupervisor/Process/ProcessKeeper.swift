import CSpawn
#if canImport(Glibc)
import Glibc
#endif

/// The small process between stackctl and each child (stackctl re-executes itself as `stackctl __keeper`).
///
/// Linux's `PR_SET_PDEATHSIG` is the only way a child learns that its parent died, even by `kill -9`, and
/// neither Foundation's `Process` nor swift-subprocess can set it before exec. It also covers one process
/// only, not a shell script's own children. So the keeper sets it on itself, starts the command in a new
/// process group, and when stackctl dies (or the command exits) stops that whole group.
///
/// It reports the command's pid on fd 3, forwards stop signals to the command's group, and exits the way
/// the command did (same exit code, or killed by the same signal), so stackctl sees the real outcome.
public enum ProcessKeeper {
    public static let subcommand = "__keeper"
    /// Sent to the keeper when stackctl dies; one no service uses, so it is never mistaken for a stop request.
    static let parentDiedSignal = SIGPWR
    static let forwardedSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

    /// The keeper's argv after the executable: parent pid, seconds the command gets to stop after stackctl
    /// died, working directory ("" for stackctl's), `--`, then the command.
    static func arguments(parent: pid_t, graceSeconds: Int, workingDirectory: String?, command: [String]) -> [String] {
        [subcommand, String(parent), String(graceSeconds), workingDirectory ?? "", "--"] + command
    }

    /// Runs the keeper; `arguments` starts after `__keeper`. Called before anything else in stackctl's main,
    /// while the process is still single-threaded.
    public static func main(arguments: [String]) -> Never {
        guard arguments.count >= 5, arguments[3] == "--", let parent = pid_t(arguments[0]),
              let grace = Int(arguments[1]) else {
            printError("stackctl __keeper: internal use only")
            exit(2)
        }
        let workingDirectory = arguments[2]
        let command = Array(arguments[4...])

        var watched = sigset_t()
        sigemptyset(&watched)
        for signal in forwardedSignals + [SIGCHLD, parentDiedSignal, SIGALRM] { sigaddset(&watched, signal) }
        pthread_sigmask(SIG_BLOCK, &watched, nil)
        _ = cspawn_set_parent_death_signal(parentDiedSignal)
        // Descendants that leave the command's process group (setsid, double fork) become the keeper's
        // children once their parent exits, so the keeper can still find and stop them.
        _ = cspawn_set_child_subreaper()
        // The parent may have died before prctl: then nobody would ever send the signal.
        if getppid() != parent { exit(1) }

        let child: pid_t
        do {
            child = try PosixSpawn.spawn(
                path: command[0], arguments: command, environment: nil,
                descriptors: .init(stdin: nil, stdout: 1, stderr: 2, report: nil),
                newProcessGroup: true, workingDirectory: workingDirectory.isEmpty ? nil : workingDirectory)
        } catch {
            printError("stackctl: \(error)")
            exit(127)
        }
        let report = "\(child)\n"
        _ = report.withCString { write(3, $0, strlen($0)) }
        close(3)

        while true {
            var received: Int32 = 0
            sigwait(&watched, &received)
            switch received {
            case SIGCHLD:
                if let status = reap(child) { finish(child: child, status: status) }
            case parentDiedSignal:
                // stackctl is gone: stop the command's group gracefully, then for good.
                kill(-child, SIGTERM)
                alarm(UInt32(max(grace, 1)))
                while true {
                    var next: Int32 = 0
                    sigwait(&watched, &next)
                    if next == SIGCHLD, let status = reap(child) { finish(child: child, status: status) }
                    if next == SIGALRM {
                        kill(-child, SIGKILL)
                        killDescendants()
                        exit(1)
                    }
                }
            case SIGALRM:
                continue
            default:
                kill(-child, received)
            }
        }
    }

    private static func printError(_ text: String) {
        let line = text + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    /// Reaps every exited child (orphans the keeper adopted too); the command's status when it was among them.
    private static func reap(_ child: pid_t) -> Int32? {
        var found: Int32?
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return found }
            if pid == child { found = status }
        }
    }

    /// Kills whatever the command left outside its group (adopted as the subreaper's children), until none is
    /// left: each killed one's own children are adopted next.
    private static func killDescendants() {
        for _ in 0..<100 {
            let children = ProcessTable.children(of: getpid())
            if children.isEmpty { return }
            for pid in children { kill(pid, SIGKILL) }
            var status: Int32 = 0
            while waitpid(-1, &status, WNOHANG) > 0 {}
            usleep(10_000)
        }
    }

    /// The command exited: whatever it left in its group goes too, then the keeper ends the same way.
    private static func finish(child: pid_t, status: Int32) -> Never {
        kill(-child, SIGKILL)
        killDescendants()
        let signal = status & 0x7f
        if signal == 0 { exit((status >> 8) & 0xff) }
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_UNBLOCK, &all, nil)
        Glibc.signal(signal, SIG_DFL)
        raise(signal)
        exit(128 + signal)
    }
}
