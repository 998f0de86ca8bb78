import FakeControls
import Foundation
import Hummingbird
import Logging
import StackConfig
import StackHTTP

/// fake-openmeter assembled: store, meters, routes and middleware. Unit tests build the router
/// in-process; the executable runs it with `run()`.
public struct OpenMeterApp: Sendable {
    public let configuration: OpenMeterConfiguration
    public let store: EventStore
    public let faults = FaultBook()
    public let journal = RequestJournal()
    let meterCatalog: [MeterCreate]
    let logger: Logger

    public init(configuration: OpenMeterConfiguration, logger: Logger = Logger(label: "fake-openmeter")) throws {
        self.configuration = configuration
        self.logger = logger
        let catalog = try MeterCatalog.load(path: configuration.metersFile)
        do {
            store = try EventStore(path: configuration.dataPath)
        } catch {
            throw StartupFailure("\(error)")
        }
        meterCatalog = catalog.meters
        let created = try MeterCatalog.seed(catalog.meters, into: store)
        if !created.isEmpty {
            logger.info("seeded meters \(created.joined(separator: ", ")) from \(catalog.origin)")
        }
    }

    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let renderer = ProblemRenderer()
        router.add(middleware: FakeControlMiddleware(faults: faults, journal: journal, renderer: renderer))
        router.add(middleware: ErrorMiddleware(renderer: renderer))
        router.add(middleware: RequestLogMiddleware())
        if let apiKey = configuration.apiKey {
            router.add(middleware: BearerAuthMiddleware(apiKey: apiKey))
        }
        var routes = RouteTable(router: router)
        routes.addHealthRoute()
        EventRoutes(store: store, logger: logger).register(in: &routes)
        MeterRoutes(store: store).register(in: &routes)
        QueryRoutes(store: store).register(in: &routes)
        FakeOpenMeterRoutes(app: self).register(in: &routes)
        routes.addFakeControlRoutes(faults: faults, journal: journal)
        routes.addMethodNotAllowedRoutes()
        return router
    }

    /// Serves until SIGTERM/SIGINT.
    public func run() async throws {
        let runner = HTTPServiceRunner(
            responder: buildRouter().buildResponder(),
            host: configuration.host, port: configuration.port, logger: logger,
            services: [InboxMerger(store: store, logger: logger)]
        )
        try await runner.run()
    }

    /// Clears events and meters, then seeds the configured meters again.
    func reset() throws {
        try store.reset()
        try MeterCatalog.seed(meterCatalog, into: store)
        faults.removeAll()
        journal.reset()
    }
}
