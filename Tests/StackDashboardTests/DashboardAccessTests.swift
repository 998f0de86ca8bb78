import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StackSupervisor
import Testing
@testable import StackDashboard

/// Who may do what on stackctl's port, checked on the router in-process (the supervisor is built, not run).
@Suite struct DashboardAccessTests {
    static let token = String(repeating: "ab", count: 32)
    static let port = 8700
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func server() throws -> DashboardServer {
        let file = try StackFile.load(path: repoRoot.appendingPathComponent("compose/stack.yaml").path)
        let state = StateDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("dash-\(UUID().uuidString)"))
        let plan = try StackPlan.resolve(file, options: .init(
            stateDirectory: state.url, binDirectory: "/bin-dir", ephemeralPorts: false, environment: [:], workingDirectory: repoRoot.path),
            pickPort: { 1 })
        let sink = try LogSink(directory: state.logs, console: nil, names: Array(plan.processes.keys))
        let supervisor = Supervisor(configuration: .init(plan: plan, state: state, keeperExecutable: "/bin/false",
                                                         startupTimeout: .seconds(1), providedToken: nil, requestedSession: nil),
                                    sink: sink)
        var server = DashboardServer(supervisor: supervisor, port: port, token: token,
                                     scenarios: repoRoot.appendingPathComponent("compose/scenarios"))
        // The in-process test client always names its host "localhost" (no port).
        server.allowedHosts.insert("localhost")
        return server
    }

    static let host: HTTPFields = [:]

    func fields(_ pairs: [(HTTPField.Name, String)]) -> HTTPFields {
        var fields = Self.host
        for (name, value) in pairs { fields[name] = value }
        return fields
    }

    @Test func onlyTheLoopbackNamesOfThePortAreAllowedHosts() async throws {
        let check = HostCheckMiddleware<BasicRequestContext>(allowed: HostCheckMiddleware<BasicRequestContext>.loopback(port: 8700))
        for host in ["127.0.0.1:8700", "localhost:8700", "LOCALHOST:8700", "[::1]:8700"] { #expect(check.allows(host), "\(host)") }
        for host in ["evil.example:8700", "127.0.0.1:8701", "localhost", "127.0.0.1.nip.io:8700", "", "127.0.0.1:8700.evil.example"] {
            #expect(!check.allows(host), "\(host)")
        }
        // The whole router answers 403 to a host it does not know (the test client's "localhost" left out).
        var server = try Self.server()
        server.allowedHosts = HostCheckMiddleware<BasicRequestContext>.loopback(port: Self.port)
        let app = Application(router: server.router())
        try await app.test(.router) { client in
            for path in ["/health", "/api/status", "/dashboard", "/dashboard/assets/dashboard.js"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .forbidden, "\(path)")
                #expect(String(buffer: response.body).contains("is not allowed"))
            }
        }
    }

    @Test func changesNeedTheBearerTokenAndTheirOwnOrigin() async throws {
        let app = Application(router: try Self.server().router())
        try await app.test(.router) { client in
            let bearer = (HTTPField.Name.authorization, "Bearer \(Self.token)")
            let cases: [([(HTTPField.Name, String)], HTTPResponse.Status)] = [
                ([], .unauthorized),
                ([(.authorization, "Bearer wrong")], .unauthorized),
                ([(.authorization, "Bearer \(Self.token)x")], .unauthorized),
                ([(.cookie, "stackctl_dashboard_8700=\(Self.token)")], .unauthorized),
                ([bearer, (.origin, "http://evil.example")], .forbidden),
                ([bearer, (.origin, "http://127.0.0.1:8701")], .forbidden),
                ([bearer, (HTTPField.Name("Sec-Fetch-Site")!, "cross-site")], .forbidden),
                ([bearer], .accepted),
                ([bearer, (.origin, "http://127.0.0.1:8700"), (HTTPField.Name("Sec-Fetch-Site")!, "same-origin")], .accepted),
            ]
            for (headers, status) in cases {
                let response = try await client.execute(uri: "/api/registration/renew", method: .post, headers: fields(headers))
                #expect(response.status == status, "\(headers)")
                if status != .accepted { #expect(String(buffer: response.body).contains("\"error\"")) }
            }
        }
    }

    @Test func theTokenInTheURLBecomesAStrictHttpOnlyCookie() async throws {
        let app = Application(router: try Self.server().router())
        try await app.test(.router) { client in
            let wrong = try await client.execute(uri: "/dashboard?token=nope", method: .get, headers: Self.host)
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            let login = try await client.execute(uri: "/dashboard?token=\(Self.token)", method: .get, headers: Self.host)
            #expect(login.status == .seeOther && login.headers[.location] == "/dashboard")
            let cookie = try #require(login.headers[.setCookie])
            #expect(cookie.hasPrefix("stackctl_dashboard_8700=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            #expect(!cookie.contains(Self.token), "the cookie reaches every port of the host: never the control token")
            let pair = String(try #require(cookie.split(separator: ";").first))

            #expect(try await client.execute(uri: "/dashboard", method: .get, headers: Self.host).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/env", method: .get, headers: Self.host).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/env", method: .get, headers: fields([(.cookie, "stackctl_dashboard_8700=\(Self.token)")])).status == .unauthorized)
            let withCookie = fields([(.cookie, "theme=dark; \(pair)")])
            let page = try await client.execute(uri: "/dashboard", method: .get, headers: withCookie)
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains(Self.token), "the page carries the token for its own requests")
            #expect(try await client.execute(uri: "/api/env", method: .get, headers: withCookie).status == .ok)
            #expect(try await client.execute(uri: "/dashboard/assets/dashboard.js", method: .get, headers: Self.host).status == .ok)
            #expect(try await client.execute(uri: "/api/status", method: .get, headers: Self.host).status == .ok)
        }
    }

    @Test func badInputIsAClearJSONError() async throws {
        let app = Application(router: try Self.server().router())
        try await app.test(.router) { client in
            let bearer = fields([(.authorization, "Bearer \(Self.token)")])
            let cases: [(String, HTTPRequest.Method, String?, HTTPResponse.Status, String)] = [
                ("/api/fakes/clock/advance", .post, #"{"seconds":"soon"}"#, .badRequest, "seconds"),
                ("/api/fakes/clock/advance", .post, #"{"seconds":1e300}"#, .badRequest, "10 years"),
                ("/api/fakes/openmeter/faults", .post, #"{"kind":"meltdown"}"#, .badRequest, "outage, latency, rate_limit"),
                ("/api/processes/nope/restart", .post, nil, .notFound, "no process named"),
                ("/api/processes/credits-mcp/explode", .post, nil, .notFound, "restart, stop or start"),
                ("/api/scenarios/no-such-scenario/run", .post, nil, .notFound, "no-such-scenario"),
                ("/api/nothing-here", .get, nil, .notFound, "no route"),
            ]
            for (path, method, body, status, text) in cases {
                let response = try await client.execute(uri: path, method: method, headers: bearer,
                                                        body: body.map { ByteBuffer(string: $0) })
                #expect(response.status == status, "\(path)")
                #expect(String(buffer: response.body).contains(text), "\(path): \(String(buffer: response.body))")
            }
        }
    }

    @Test func mergedLogLinesKeepTheirProcess() {
        #expect(EventStream.mergedLine("[fake-tais] listening on 127.0.0.1:5001") == LogLine(process: "fake-tais", line: "listening on 127.0.0.1:5001"))
        #expect(EventStream.mergedLine("no prefix") == LogLine(process: "stackctl", line: "no prefix"))
    }

    @Test func theSeedCommandsSettingsBecomeTheSeedBody() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString).yaml")
        try "tenants: 3   # comment\nevents: 30000\nseed: 42\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let body = try FakesDesk.seedBody(fromCommand: "/b/fake-openmeter seed --data x.sqlite --settings \(file.path)")
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Int])
        #expect(object == ["tenants": 3, "events": 30000, "seed": 42])
        #expect(try FakesDesk.seedBody(fromCommand: "/b/fake-openmeter seed") == Data("{}".utf8))
    }
}

@Suite struct LogBatchTests {
    @Test func aStalledReaderKeepsOnlyTheNewestLinesAndCountsTheRest() {
        let batch = LogBatch(limit: 3)
        #expect(batch.append(LogLine(process: "a", line: "1")), "the first line of a batch wakes the writer")
        for line in 2...5 { #expect(!batch.append(LogLine(process: "a", line: "\(line)"))) }
        let (lines, dropped) = batch.take()
        #expect(lines.map(\.line) == ["3", "4", "5"] && dropped == 2)
        let (after, droppedAfter) = batch.take()
        #expect(after.isEmpty && droppedAfter == 0)
        #expect(batch.append(LogLine(process: "a", line: "6")), "an emptied batch wakes the writer again")
    }
}
