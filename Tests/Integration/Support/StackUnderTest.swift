import Foundation
import ProcessSupport
import StackClients
import Testing

/// fake-openmeter and credits-mcp started as real child processes from the built executables,
/// each on an ephemeral port (`--port 0`), with a private temp folder for the SQLite file and the
/// downloads. credits-mcp runs in that folder (so no `.env` of the checkout leaks in) with every
/// setting that could change scoping cleared, then `options.mcpEnvironment` applied.
final class StackUnderTest: Sendable {
    struct Options: Sendable {
        /// Extra or overriding environment of credits-mcp (e.g. `DOWNLOAD_TTL_SECONDS`).
        var mcpEnvironment: [String: String] = [:]
        /// The key credits-mcp sends; nil: the one fake-openmeter requires.
        var mcpAPIKey: String?
        /// Where credits-mcp looks for OpenMeter; nil: the started fake.
        var openMeterURL: String?
    }

    static let tenantHeader = "X-Tenant-Id"
    static let groupsHeader = "X-User-Groups"

    let directory: URL
    let apiKey: String
    let openMeter: ServiceProcess
    let mcp: ServiceProcess
    let control: FakeOpenMeterControl
    let http = HTTPRequester(timeout: .seconds(20))

    var mcpEndpoint: String { mcp.baseURL + "/mcp" }
    var downloadDirectory: URL { directory.appendingPathComponent("downloads", isDirectory: true) }
    var dataFile: URL { directory.appendingPathComponent("openmeter.sqlite") }

    private init(directory: URL, apiKey: String, openMeter: ServiceProcess, mcp: ServiceProcess) {
        self.directory = directory
        self.apiKey = apiKey
        self.openMeter = openMeter
        self.mcp = mcp
        control = FakeOpenMeterControl(baseURL: openMeter.baseURL, apiKey: apiKey, requester: HTTPRequester(timeout: .seconds(20)))
    }

    /// Runs `body` against a fresh stack and stops both processes afterwards, also when `body` throws.
    static func with<T: Sendable>(_ options: Options = Options(), _ body: (StackUnderTest) async throws -> T) async throws -> T {
        let stack = try await start(options)
        do {
            let result = try await body(stack)
            stack.stop()
            return result
        } catch {
            stack.stop()
            throw error
        }
    }

    static func start(_ options: Options) async throws -> StackUnderTest {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("credits-it-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let apiKey = "om-key-\(UUID().uuidString)"
        let openMeter = try await startOpenMeter(directory: directory, dataFile: directory.appendingPathComponent("openmeter.sqlite"), apiKey: apiKey)
        var environment = cleanMCPEnvironment
        environment["OPENMETER_URL"] = options.openMeterURL ?? openMeter.baseURL
        environment["OPENMETER_API_KEY"] = options.mcpAPIKey ?? apiKey
        environment["DOWNLOAD_DIR"] = directory.appendingPathComponent("downloads", isDirectory: true).path
        for (key, value) in options.mcpEnvironment { environment[key] = value }
        let mcp: ServiceProcess
        do {
            mcp = try await ServiceProcess(
                executable: try BuiltProducts.executable("credits-mcp"), arguments: ["--port", "0"],
                environment: environment, workingDirectory: directory
            )
        } catch {
            openMeter.stop()
            throw error
        }
        return StackUnderTest(directory: directory, apiKey: apiKey, openMeter: openMeter, mcp: mcp)
    }

    /// Starts fake-openmeter on `dataFile` with the contract's meters and `apiKey` required.
    static func startOpenMeter(directory: URL, dataFile: URL, apiKey: String) async throws -> ServiceProcess {
        try await ServiceProcess(
            executable: try BuiltProducts.executable("fake-openmeter"),
            arguments: [
                "--port", "0", "--data", dataFile.path, "--api-key", apiKey,
                "--meters", BuiltProducts.packageRoot.appendingPathComponent("compose/meters.yaml").path,
            ],
            environment: ["LOG_LEVEL": "info"],
            workingDirectory: directory
        )
    }

    /// Settings a developer's shell could carry into the test, cleared (an empty value counts as unset).
    static let cleanMCPEnvironment: [String: String] = [
        "CREDITS_MCP_ENV": "", "DEV_TENANT_ID": "", "DEV_USER_GROUPS": "", "MCP_AUTH": "", "MCP_PORT": "",
        "PUBLIC_BASE_URL": "", "DOWNLOAD_TTL_SECONDS": "", "PREVIEW_ROW_LIMIT": "", "OPENMETER_METER": "",
        "OPENMETER_EVENT_TYPE": "", "OPENMETER_TIMEOUT_SECONDS": "", "TAIS_JWKS_URL": "", "LOG_LEVEL": "info",
        "TAIS_JWT_ISSUER": "", "TAIS_JWT_AUDIENCE": "", "TAIS_JWT_LEEWAY_SECONDS": "",
    ]

    func stop() {
        mcp.stop()
        openMeter.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// An initialized MCP session sending the given scoping headers (nil: header left out).
    func client(tenant: String?, groups: String?) async throws -> MCPHTTPClient {
        var headers: [String: String] = [:]
        if let tenant { headers[Self.tenantHeader] = tenant }
        if let groups { headers[Self.groupsHeader] = groups }
        let client = MCPHTTPClient(endpoint: mcpEndpoint, headers: headers, requester: http)
        try await client.initialize(clientName: "integration-tests")
        return client
    }

    /// An initialized session of an administrator of `tenant`.
    func adminClient(_ tenant: String) async throws -> MCPHTTPClient {
        try await client(tenant: tenant, groups: "Administrators")
    }

    /// Fetches a download link from the answer against the running credits-mcp: the link's path
    /// on the server's real address (the link's own host may be a public name).
    func fetch(downloadLink link: String) async throws -> HTTPReply {
        guard let range = link.range(of: "/download/") else {
            throw StackTestError("not a download link: \(link)")
        }
        return try await http.get(mcp.baseURL + link[range.lowerBound...])
    }

    func isMCPHealthy() async -> Bool {
        (try? await http.get(mcp.baseURL + "/health"))?.status == 200
    }

    /// The last lines of both logs, for failure messages.
    func logTail(lines: Int = 20) -> String {
        func tail(_ text: String) -> String { text.split(separator: "\n").suffix(lines).joined(separator: "\n") }
        return "--- credits-mcp log:\n\(tail(mcp.log))\n--- fake-openmeter log:\n\(tail(openMeter.log))"
    }
}

struct StackTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
