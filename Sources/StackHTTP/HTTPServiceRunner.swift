public import Hummingbird
public import Logging
public import ServiceLifecycle
import StackConfig
import Foundation

/// Runs one service's HTTP server the way every executable of the stack must:
/// logs `listening on http://HOST:PORT` once it serves, stops on SIGTERM/SIGINT letting
/// in-flight requests finish (at most 5 s), and turns a taken port into a one-line failure.
public struct HTTPServiceRunner<Responder: HTTPResponder> where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    public var responder: Responder
    public var host: String
    public var port: Int
    public var logger: Logger
    /// Background services that live and stop with the server (sweepers, renewers).
    public var services: [any Service]
    public var onListening: @Sendable (Int) async -> Void

    public init(
        responder: Responder, host: String, port: Int, logger: Logger,
        services: [any Service] = [], onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.responder = responder
        self.host = host
        self.port = port
        self.logger = logger
        self.services = services
        self.onListening = onListening
    }

    public func run() async throws {
        let host = self.host
        let logger = self.logger
        let onListening = self.onListening
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            services: services,
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                logger.info("listening on http://\(host):\(bound)")
                await onListening(bound)
            },
            logger: logger
        )
        var config = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        )
        config.maximumGracefulShutdownDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: config).run()
        } catch {
            let text = String(describing: error)
            if text.contains("Address already in use") || text.contains("EADDRINUSE") {
                throw StartupFailure("port \(port) on \(host) is already in use", exitCode: 3)
            }
            if text.contains("Cannot assign requested address") || text.contains("Name or service not known") {
                throw StartupFailure("cannot listen on \(host):\(port): \(text)")
            }
            throw error
        }
    }
}
