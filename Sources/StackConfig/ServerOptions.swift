import ArgumentParser

/// `--host` and `--port`, shared by every service executable.
/// The port is optional here: the service falls back to its env variable, then its default.
public struct ServerOptions: ParsableArguments, Sendable {
    @Option(help: "Address to listen on.")
    public var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (default: the service's port env variable, then its standard port).")
    public var port: Int?

    public init() {}

    /// flag > env variable `envKey` > `defaultPort`.
    public func resolvedPort(settings: Settings, envKey: String, defaultPort: Int) throws -> Int {
        if let port {
            guard (0...65535).contains(port) else { throw StartupFailure("--port must be between 0 and 65535, got \(port)") }
            return port
        }
        return try settings.int(envKey, in: 0...65535) ?? defaultPort
    }
}
