#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import StackSupervisor

/// Ports: free or taken, a kernel-picked one, and who listens on a taken one (through /proc).
@Suite struct HostPortTests {
    /// A TCP socket listening on 127.0.0.1 at a port the kernel picks, closed by `close()`.
    struct Listener {
        let fd: Int32
        let port: Int

        init() throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            try #require(fd >= 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let fd = fd
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(bound == 0)
            try #require(listen(fd, 8) == 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            try #require(named == 0)
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        func close() { _ = Glibc.close(fd) }
    }

    static var testBinaryName: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).lastPathComponent
    }

    @Test func aListeningPortIsTakenAndItsHolderIsNamedUntilClosed() throws {
        let listener = try Listener()
        var closed = false
        defer { if !closed { listener.close() } }
        #expect(!PortCheck.isFree(listener.port))
        #expect(!PortCheck.isFree(listener.port, host: "localhost"))
        let holder = try #require(PortCheck.holder(of: listener.port))
        #expect(holder.pid == getpid())
        let command = try #require(holder.command)
        #expect(command.contains(Self.testBinaryName), "\(command) should name \(Self.testBinaryName)")
        #expect(holder.description == "pid \(getpid()) (\(command))")

        listener.close()
        closed = true
        #expect(PortCheck.isFree(listener.port))
        #expect(PortCheck.holder(of: listener.port) == nil)
    }

    @Test func aWildcardListenerTakesTheLoopbackPort() throws {
        // A server on 0.0.0.0 makes 127.0.0.1:PORT unusable too; isFree must say so.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        let port = try PortCheck.freePort(host: "0.0.0.0")
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = 0  // INADDR_ANY
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        try #require(listen(fd, 8) == 0)
        #expect(!PortCheck.isFree(port))
        #expect(PortCheck.holder(of: port)?.pid == getpid())
    }

    @Test func freePortGivesAPortThatIsFree() throws {
        let port = try PortCheck.freePort()
        #expect((1...65535).contains(port))
        #expect(PortCheck.isFree(port))
        let v6 = try PortCheck.freePort(host: "::1")
        #expect((1...65535).contains(v6))
        #expect(throws: PortCheck.Failure.self) { try PortCheck.freePort(host: "not-an-address") }
        #expect(!PortCheck.isFree(0))
        #expect(!PortCheck.isFree(70000))
    }

    @Test func theListenTableIsReadByPortAndState() {
        // A LISTEN line (0A) on port 0x1F90 = 8080, an ESTABLISHED one (01) on the same port.
        let listen: Substring = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0000000000000000 100 0 0 10 0"
        let established: Substring = "   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 434343 1 0000000000000000 20 4 30 10 -1"
        let v6: Substring = "   0: 00000000000000000000000000000000:22B8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 515151 1 0000000000000000 100 0 0 10 0"
        #expect(PortCheck.listeningInode(line: listen, port: 8080) == 424242)
        #expect(PortCheck.listeningInode(line: listen, port: 8081) == nil)
        #expect(PortCheck.listeningInode(line: established, port: 8080) == nil)
        #expect(PortCheck.listeningInode(line: v6, port: 8888) == 515151)
    }

    @Test func aHolderDescribesItself() {
        #expect(PortHolder(pid: 1234, command: "python3 -m http.server 8888").description == "pid 1234 (python3 -m http.server 8888)")
        #expect(PortHolder(pid: 1234, command: nil).description == "pid 1234")
        #expect(PortHolder(pid: nil, command: nil).description == "a process this user cannot see")
    }
}
