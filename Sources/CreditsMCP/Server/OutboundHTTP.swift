public import AsyncHTTPClient

/// credits-mcp's client for the services it calls (OpenMeter, the TAIS JWKS).
public enum OutboundHTTP {
    /// A refused or unroutable connection fails at once (no silent reconnect loop until the deadline),
    /// so an outage is reported in about a second, not 20. A process-lifetime global like
    /// `HTTPClient.shared`, so it is never shut down.
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(3)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
