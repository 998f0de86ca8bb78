import Synchronization

/// Where a browser reaches fake-tais: `TAIS_PUBLIC_URL`, or `http://<host>:<port>` with the port
/// learned once the server is bound (`--port 0` picks it late).
final class PublicBaseURL: Sendable {
    private let value: Mutex<String>
    private let host: String?

    init(configured: String?, host: String, port: Int) {
        // A wildcard bind address is no place to send a browser.
        let reachable = ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host
        let bracketed = reachable.contains(":") ? "[\(reachable)]" : reachable
        self.host = configured == nil ? bracketed : nil
        value = Mutex(configured ?? "http://\(bracketed):\(port)")
    }

    var url: String { value.withLock { $0 } }

    /// Called with the bound port; ignored when the base was configured.
    func serverBound(port: Int) {
        guard let host else { return }
        value.withLock { $0 = "http://\(host):\(port)" }
    }
}
