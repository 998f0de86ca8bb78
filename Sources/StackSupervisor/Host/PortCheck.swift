#if canImport(Glibc)
import Glibc
#endif

/// Whether a TCP port is free, a free one, and who holds a taken one (Linux `/proc`).
public enum PortCheck {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Whether a server could listen on host:port now (bind with SO_REUSEADDR like NIO servers do, then close).
    /// `host` is a numeric IPv4 or IPv6 address, or `localhost`.
    public static func isFree(_ port: Int, host: String = "127.0.0.1") -> Bool {
        guard (1...65535).contains(port), let fd = try? boundSocket(host: host, port: port) else { return false }
        close(fd)
        return true
    }

    /// A free port the kernel picks (bind port 0, read it, close).
    public static func freePort(host: String = "127.0.0.1") throws -> Int {
        let fd = try boundSocket(host: host, port: 0)
        defer { close(fd) }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw Failure("getsockname: \(String(cString: strerror(errno)))") }
        let isIPv6 = storage.ss_family == sa_family_t(AF_INET6)
        let port: UInt16 = withUnsafePointer(to: &storage) { pointer in
            if isIPv6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return Int(port)
    }

    /// Who listens on `port` (TCP, IPv4 and IPv6): the LISTEN socket's inode from /proc/net/tcp and
    /// /proc/net/tcp6, then the process whose /proc/PID/fd links to socket:[inode]. nil when nothing listens.
    public static func holder(of port: Int) -> PortHolder? {
        let inodes = listeningInodes(port: port)
        guard !inodes.isEmpty else { return nil }
        let targets = Set(inodes.map { "socket:[\($0)]" })
        for pid in ProcFiles.pids() {
            let fdDir = "/proc/\(pid)/fd"
            guard let fds = ProcFiles.names(fdDir) else { continue }  // another user's process
            for fd in fds {
                if let target = ProcFiles.link("\(fdDir)/\(fd)"), targets.contains(target) {
                    return PortHolder(pid: pid, command: ProcessTable.commandLine(pid))
                }
            }
        }
        return PortHolder(pid: nil, command: nil)
    }

    // MARK: internals

    /// TCP state 0A in /proc/net/tcp*.
    static let listenState = "0A"

    /// The inodes of the LISTEN sockets on `port`, any address, IPv4 and IPv6.
    static func listeningInodes(port: Int) -> [UInt64] {
        ["/proc/net/tcp", "/proc/net/tcp6"].flatMap { path in
            (ProcFiles.text(path) ?? "").split(separator: "\n").dropFirst().compactMap { line in
                listeningInode(line: line, port: port)
            }
        }
    }

    /// One table line: `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...`,
    /// the local address as hex `ADDRESS:PORT`.
    static func listeningInode(line: Substring, port: Int) -> UInt64? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 10, fields[3] == listenState,
              let colon = fields[1].lastIndex(of: ":"),
              let localPort = Int(fields[1][fields[1].index(after: colon)...], radix: 16), localPort == port,
              let inode = UInt64(fields[9]), inode != 0 else { return nil }
        return inode
    }

    /// A socket (close-on-exec) bound to host:port with SO_REUSEADDR; the caller closes it.
    static func boundSocket(host: String, port: Int) throws(Failure) -> Int32 {
        guard (0...65535).contains(port) else { throw Failure("port \(port) is out of range") }
        let address = host == "localhost" ? "127.0.0.1" : host
        let networkPort = in_port_t(UInt16(port)).bigEndian
        var v4 = in_addr()
        var v6 = in6_addr()
        let family: Int32
        if inet_pton(AF_INET, address, &v4) == 1 {
            family = AF_INET
        } else if inet_pton(AF_INET6, address, &v6) == 1 {
            family = AF_INET6
        } else {
            throw Failure("\(host) is not an IP address")
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if family == AF_INET {
            var sockaddr4 = sockaddr_in()
            sockaddr4.sin_family = sa_family_t(AF_INET)
            sockaddr4.sin_port = networkPort
            sockaddr4.sin_addr = v4
            result = withUnsafePointer(to: &sockaddr4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            var sockaddr6 = sockaddr_in6()
            sockaddr6.sin6_family = sa_family_t(AF_INET6)
            sockaddr6.sin6_port = networkPort
            sockaddr6.sin6_addr = v6
            result = withUnsafePointer(to: &sockaddr6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        guard result == 0 else {
            let problem = String(cString: strerror(errno))
            close(fd)
            throw Failure("cannot bind \(host):\(port): \(problem)")
        }
        return fd
    }
}
