import BlockingWork
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One `GET` over a fresh plain TCP connection, for health probes. AsyncHTTPClient backs off after refused
/// connections (its pool retries later), which is right for clients and wrong for a probe that polls a
/// starting server every 10 ms: a refusal here is an immediate "not yet", and the first answer is seen at once.
enum PlainHTTPCheck {
    /// The response's status code, nil when nothing answered within `timeout`.
    static func status(host: String, port: Int, path: String, timeout: Duration) async -> Int? {
        try? await offCooperativePool { blockingStatus(host: host, port: port, path: path, timeout: timeout) }
    }

    private static func blockingStatus(host: String, port: Int, path: String, timeout: Duration) -> Int? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            if let status = request(info.pointee, host: host, port: port, path: path, timeout: timeout) { return status }
            candidate = info.pointee.ai_next
        }
        return nil
    }

    private static func request(_ info: addrinfo, host: String, port: Int, path: String, timeout: Duration) -> Int? {
        let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds),
                            tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.ai_addr, info.ai_addrlen) == 0 else { return nil }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: stackctl\r\nConnection: close\r\n\r\n"
        let sent = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        guard sent > 0 else { return nil }
        // The status line is all a probe needs: "HTTP/1.1 200 OK".
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while received.count < 4096, !received.contains(UInt8(ascii: "\n")) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 512, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        let line = String(decoding: received.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else { return nil }
        return status
    }
}
