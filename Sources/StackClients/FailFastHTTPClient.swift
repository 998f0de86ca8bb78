public import AsyncHTTPClient

/// The outbound HTTP client the stack's services use for the services they call (OpenMeter, a JWKS, an
/// MCP tool): a refused or unroutable connection fails at once (3 s connect timeout, no background
/// reconnect loop until the deadline), so an outage is reported in about a second, not 20.
public enum FailFastHTTPClient {
    /// A process-lifetime client; keep it in a global like `HTTPClient.shared`, never shut down.
    /// `followRedirects: false` shows a caller the 3xx itself (a scenario checking a `Location`).
    public static func make(connectionsPerHost: Int, followRedirects: Bool = true) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        if !followRedirects { configuration.redirectConfiguration = .disallow }
        configuration.timeout.connect = .seconds(3)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
