import ArgumentParser
import FakeOpenMeter
import Foundation
import Logging
import StackConfig
import WireFormats

@main
struct FakeOpenMeterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-openmeter",
        abstract: "A local stand-in for OpenMeter's events and meters API, state in SQLite.",
        discussion: """
            Serves OpenMeter's /api/v1/events, /api/v2/events, /api/v1/meters and meter queries with the real
            server's status codes and problem+json errors, so the official SDKs work unchanged. Test hooks live
            under /_fake/ (reset, seed, stats, faults, requests).

            Serving flags (given alone they run `serve`; details in `fake-openmeter serve --help`):
              --host HOST            address to bind (default 127.0.0.1)
              --port PORT            port to listen on; 0 picks a free one (default 8888)
              --data PATH            SQLite file for events and meters, ':memory:' for a throw-away store
              --api-key KEY          require Authorization: Bearer <KEY> on the API
              --meters PATH          YAML file of meters to create at start (default compose/meters.yaml)

            Environment (flags win; a .env file in the working directory is read, real env wins over it):
              OPENMETER_PORT         port when --port is not given (default 8888)
              OPENMETER_DATA         SQLite file when --data is not given (default fake-openmeter.sqlite)
              OPENMETER_API_KEY      require Authorization: Bearer <key> on the API when set
              OPENMETER_METERS_FILE  meters YAML when --meters is not given
              LOG_LEVEL              trace|debug|info|notice|warning|error (default info)
            """,
        subcommands: [Serve.self, Seed.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the API (what fake-openmeter does when given flags alone).")

    @OptionGroup var server: ServerOptions

    @Option(help: "SQLite file holding events and meters; ':memory:' for a throw-away store.")
    var data: String?

    @Option(name: .customLong("api-key"), help: "Require this bearer token on the API (default: OPENMETER_API_KEY; unset: no auth).")
    var apiKey: String?

    @Option(help: "YAML file of meters to create at start (default: compose/meters.yaml if present, else the built-in ai_credits meter).")
    var meters: String?

    func run() async throws {
        do {
            let settings = try Settings.load()
            LogSetup.bootstrap(settings: settings)
            let configuration = OpenMeterConfiguration(
                host: server.host,
                port: try server.resolvedPort(settings: settings, envKey: "OPENMETER_PORT", defaultPort: OpenMeterConfiguration.defaultPort),
                dataPath: data ?? settings.string("OPENMETER_DATA") ?? OpenMeterConfiguration.defaultDataPath,
                apiKey: apiKey ?? settings.string("OPENMETER_API_KEY"),
                metersFile: meters ?? settings.string("OPENMETER_METERS_FILE")
            )
            let logger = Logger(label: "fake-openmeter")
            let app = try OpenMeterApp(configuration: configuration, logger: logger)
            logger.info("data \(configuration.dataPath), auth \(configuration.apiKey == nil ? "off" : "bearer key")")
            try await app.run()
        } catch let failure as StartupFailure {
            StartupFailure.exit(program: "fake-openmeter", failure)
        } catch let error as MeterCatalogError {
            StartupFailure.exit(program: "fake-openmeter", StartupFailure(error.description))
        }
    }
}

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write deterministic AI-credit events into a data file (same seed, same data).",
        discussion: "Tenants are named tenant-01, tenant-02, …; event ids are seed-<seed>-<n>, so seeding twice adds nothing."
    )

    @Option(help: "SQLite file to write (created if missing).")
    var data: String = OpenMeterConfiguration.defaultDataPath

    @Option(help: "YAML file with any of tenants, events, days, seed, end, shape, users, modules, products, skills (e.g. compose/seed.yaml); flags win over it.")
    var settings: String?

    @Option(help: "Number of tenants (subjects) (default: 3).")
    var tenants: Int?

    @Option(help: "Number of events (default: 2000).")
    var events: Int?

    @Option(help: "Days the events spread over, ending at --end (default: 30).")
    var days: Int?

    @Option(help: "Random seed (default: 42).")
    var seed: UInt64?

    @Option(help: "RFC 3339 instant the events end before (default: the last whole hour before now, so no event lies in the future).")
    var end: String?

    @Option(help: "Data shape: demo (4, 7 or 10 users a tenant, ~150 groups a week) or realistic (30 users, ~4,800 groups a week) (default: demo).")
    var shape: String?

    @Option(help: "Users per tenant (overrides the shape).")
    var users: Int?

    @Option(help: "Modules (overrides the shape).")
    var modules: Int?

    @Option(help: "Products (overrides the shape).")
    var products: Int?

    @Option(help: "Skills per module (overrides the shape).")
    var skills: Int?

    @Option(help: "YAML file of meters to create too (default as for serving).")
    var meters: String?

    func run() throws {
        do {
            var file = SeedSettings()
            if let settings {
                do { file = try SeedSettings.load(path: settings) } catch { throw StartupFailure(error.description, exitCode: 2) }
            }
            var endSeconds: Int64?
            if let end = end ?? file.end {
                guard let parsed = RFC3339.parse(end) else {
                    throw StartupFailure("--end must be an RFC 3339 date-time like 2026-01-31T00:00:00Z, got \(end)", exitCode: 2)
                }
                endSeconds = parsed.seconds
            }
            let dataShape: DataShape
            do {
                dataShape = try DataShape.resolve(
                    name: shape ?? file.shape, users: users ?? file.users, modules: modules ?? file.modules,
                    products: products ?? file.products, skills: skills ?? file.skills
                )
            } catch {
                throw StartupFailure(error.description, exitCode: 2)
            }
            let plan = SeedPlan(
                tenants: tenants ?? file.tenants ?? 3, events: events ?? file.events ?? 2_000,
                days: days ?? file.days ?? 30, seed: seed ?? file.seed ?? 42, end: endSeconds, shape: dataShape
            )
            if let problem = plan.problem { throw StartupFailure(problem, exitCode: 2) }
            let app = try OpenMeterApp(configuration: OpenMeterConfiguration(dataPath: data, metersFile: meters))
            let started = Date()
            let inserted = try Seeder.seed(plan, into: app.store)
            let seconds = Date().timeIntervalSince(started)
            print("seeded \(inserted) new events (\(plan.events) generated) for \(plan.tenants) tenants over \(plan.days) days into \(data) in \(String(format: "%.1f", seconds)) s")
        } catch let failure as StartupFailure {
            StartupFailure.exit(program: "fake-openmeter seed", failure)
        } catch let error as MeterCatalogError {
            StartupFailure.exit(program: "fake-openmeter seed", StartupFailure(error.description))
        }
    }
}
