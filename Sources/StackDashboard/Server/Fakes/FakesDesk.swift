import Foundation
import NIOHTTP1
import StackClients
import StackHTTP
import StackSupervisor
import Yams

/// The fakes' controls as the dashboard and scenarios use them, across every fake the stack runs: one clock for
/// all (webhook signatures are checked against each fake's own clock, so they move together), fake-openmeter's
/// faults by kind, and reset with reseed.
actor FakesDesk {
    private let supervisor: Supervisor
    private let http = DashboardHTTP.control
    private let quick = DashboardHTTP.quick
    /// Fault ids this desk added to fake-openmeter, by kind.
    private var faultIDs: [OpenMeterFaultKind: String] = [:]
    /// Processes known to be (or not be) fakes, by URL: a fake answers `GET /_fake/faults`.
    private var isFake: [String: Bool] = [:]

    init(supervisor: Supervisor) {
        self.supervisor = supervisor
    }

    // MARK: clock

    /// Every fake's clock, in process-name order.
    func clocks() async throws -> [ClockReading] {
        try await forEachFake("read") { name, url in try await self.clock(name, .GET, url + "/_fake/clock", body: nil) }
    }

    func advanceClocks(by seconds: Double) async throws -> [ClockReading] {
        let body = try JSONSerialization.data(withJSONObject: ["seconds": seconds])
        let readings = try await forEachFake("moved") { name, url in
            try await self.clock(name, .POST, url + "/_fake/clock/advance", body: Array(body))
        }
        supervisor.sink.note("moved every fake's clock by \(Self.describe(seconds)) (dashboard)")
        await supervisor.checkRegistration()
        await waitForValidRegistration(within: .seconds(10))
        return readings
    }

    func realClocks() async throws -> [ClockReading] {
        let readings = try await forEachFake("set to real time") { name, url in
            try await self.clock(name, .POST, url + "/_fake/clock/real", body: nil)
        }
        supervisor.sink.note("every fake's clock is back to real time (dashboard)")
        await supervisor.checkRegistration()
        return readings
    }

    /// Returns once the registration is valid on TAIS's moved clock (at once when the jump did not expire it; after
    /// the keeper's renewal when it did), so a chat sent right after a "+1 day" is never answered by an expired
    /// tool. Gives up after `within` (the keeper keeps retrying and the page shows it).
    private func waitForValidRegistration(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            guard let registration = await supervisor.status().registration else { return }
            if registration.state == "registered", let now = await taisClock()?.now,
               let left = SnapshotSource.secondsLeft(registration.expiresAt, now: now), left > 0 {
                return
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// fake-tais's clock (the registration's expiry is on it); nil without a fake TAIS.
    func taisClock() async -> ClockView? {
        guard let url = await fakeURL(envKey: "TAIS_URL"),
              let reply = try? await quick.get(url + "/_fake/clock"), reply.status == 200,
              let clock = try? JSONDecoder().decode(ClockView.self, from: Data(reply.body)) else { return nil }
        return clock
    }

    /// nil for a fake without a clock (404).
    private func clock(_ name: String, _ method: HTTPMethod, _ url: String, body: [UInt8]?) async throws -> ClockReading? {
        let reply = try await http.send(method, url, headers: [("Content-Type", "application/json")], body: body)
        if reply.status == 404 { return nil }
        guard reply.status == 200 else { throw HTTPFailure(.badGateway, "HTTP \(reply.status) \(reply.text)") }
        let clock = try JSONDecoder().decode(ClockView.self, from: Data(reply.body))
        return ClockReading(process: name, now: clock.now, mode: clock.mode, offsetSeconds: clock.offsetSeconds)
    }

    /// Runs `body` for each fake, one after another (a handful); a fake without a clock (fake-openmeter: its events
    /// carry their own times) answers 404 and is left out.
    /// Every fake is tried; one that fails is named in a 502 (their clocks now disagree, which breaks webhook
    /// signatures until it is fixed: start it and press the button again, or go back to real time).
    private func forEachFake(_ verb: String, _ body: (String, String) async throws -> ClockReading?) async throws -> [ClockReading] {
        var readings: [ClockReading] = []
        var failures: [String] = []
        for (name, url) in await fakeProcesses() {
            do {
                if let reading = try await body(name, url) { readings.append(reading) }
            } catch let failure as HTTPFailure {
                failures.append("\(name) (\(failure.detail))")
            } catch {
                failures.append("\(name) (\(error); is it stopped?)")
            }
        }
        guard failures.isEmpty else {
            let done = readings.isEmpty ? "no clock was \(verb)" : "\(readings.map(\.process).joined(separator: ", ")) \(verb)"
            throw HTTPFailure(.badGateway, "\(done); not reached: \(failures.joined(separator: "; "))")
        }
        return readings
    }

    /// The fakes stackctl runs (processes answering `GET /_fake/faults`), sorted by name. Where each process
    /// listens is fixed by the run's plan; whether it is a fake is asked once (a process not up yet is asked again).
    func fakeProcesses() async -> [(String, String)] {
        let plan = supervisor.configuration.plan
        var result: [(String, String)] = []
        for name in plan.processes.keys.sorted() {
            guard let process = plan.processes[name], !process.external, let url = process.url else { continue }
            if isFake[url] == nil {
                guard let reply = try? await quick.get(url + "/_fake/faults") else { continue }
                isFake[url] = reply.status == 200
            }
            if isFake[url] == true { result.append((name, url)) }
        }
        return result
    }

    /// The URL of the service carrying `envKey` (TAIS_URL, OPENMETER_URL, …) when stackctl runs it as a fake.
    private func fakeURL(envKey: String) async -> String? {
        guard let url = supervisor.configuration.plan.variables[envKey] else { return nil }
        return await fakeProcesses().first { $0.1 == url }?.1
    }

    // MARK: faults

    /// Kinds on now: the ones this desk added that fake-openmeter still has (a reset or restart drops them).
    func openMeterFaultKinds() async -> [String] {
        guard !faultIDs.isEmpty else { return [] }
        guard let url = await fakeURL(envKey: "OPENMETER_URL"), let reply = try? await quick.get(url + "/_fake/faults"),
              reply.status == 200 else { return faultIDs.keys.map(\.rawValue).sorted() }
        let listed = Set((try? JSONDecoder().decode(FaultList.self, from: Data(reply.body)))?.faults.map(\.id) ?? [])
        faultIDs = faultIDs.filter { listed.contains($0.value) }
        return faultIDs.keys.map(\.rawValue).sorted()
    }

    func addOpenMeterFault(_ kind: OpenMeterFaultKind) async throws -> [String] {
        guard let url = await fakeURL(envKey: "OPENMETER_URL") else {
            throw HTTPFailure(.conflict, "fake-openmeter is not running here (a real OpenMeter is in use)")
        }
        if faultIDs[kind] == nil {
            let body = try JSONSerialization.data(withJSONObject: kind.rule)
            let reply = try await http.send(.POST, url + "/_fake/faults", headers: [("Content-Type", "application/json")], body: Array(body))
            guard reply.status == 201 || reply.status == 200,
                  let id = (try? JSONDecoder().decode(FaultID.self, from: Data(reply.body)))?.id else {
                throw HTTPFailure(.badGateway, "fake-openmeter refused the fault: HTTP \(reply.status) \(reply.text)")
            }
            faultIDs[kind] = id
            supervisor.sink.note("fake-openmeter fault \(kind.rawValue) on (dashboard)")
        }
        return await openMeterFaultKinds()
    }

    func removeOpenMeterFaults(_ kind: OpenMeterFaultKind?) async throws -> [String] {
        guard let url = await fakeURL(envKey: "OPENMETER_URL") else { return [] }
        for (existing, id) in faultIDs where kind == nil || kind == existing {
            let reply = try await http.send(.DELETE, url + "/_fake/faults/" + id)
            guard reply.status == 204 || reply.status == 404 else {
                throw HTTPFailure(.badGateway, "fake-openmeter did not remove fault \(id): HTTP \(reply.status) \(reply.text)")
            }
            faultIDs[existing] = nil
            supervisor.sink.note("fake-openmeter fault \(existing.rawValue) off (dashboard)")
        }
        return await openMeterFaultKinds()
    }

    // MARK: reset

    /// Resets every fake, seeds fake-openmeter's demo data again (the stack file's seed settings), grants the dev
    /// tenant its starting credits and registers the tool again.
    func resetAndReseed() async throws -> ResetOutcome {
        let fakes = await fakeProcesses()
        for (name, url) in fakes {
            let reply = try await http.send(.POST, url + "/_fake/reset")
            guard (200..<300).contains(reply.status) else {
                throw HTTPFailure(.badGateway, "\(name) refused the reset: HTTP \(reply.status) \(reply.text)")
            }
        }
        faultIDs = [:]
        var seeded = 0
        let plan = supervisor.configuration.plan
        for (name, url) in fakes {
            guard let command = plan.processes[name]?.extras.seed else { continue }
            let body = try Self.seedBody(fromCommand: command)
            let reply = try await http.send(.POST, url + "/_fake/seed", headers: [("Content-Type", "application/json")], body: Array(body))
            guard reply.status == 200 else {
                throw HTTPFailure(.badGateway, "\(name) refused the seed: HTTP \(reply.status) \(reply.text)")
            }
            seeded += (try? JSONDecoder().decode(SeedAnswer.self, from: Data(reply.body)))?.inserted ?? 0
        }
        let env = await supervisor.environment()
        if let identity = plan.file.stackctl.identity, identity.startingCredits > 0,
           let tais = env["TAIS_URL"], fakes.contains(where: { $0.1 == tais }) {
            _ = try await TAISClient(baseURL: tais, requester: http).grant(tenant: identity.tenant, credits: identity.startingCredits,
                                                          description: "starting credits (dashboard reset)")
        }
        supervisor.sink.note("reset \(fakes.map(\.0).joined(separator: ", ")) and seeded \(seeded) events again (dashboard)")
        await supervisor.renewRegistration()
        return ResetOutcome(reset: fakes.map(\.0), seeded: seeded)
    }

    /// The seed command's `--settings FILE` (YAML) as `/_fake/seed`'s JSON body; `{}` (the defaults) without one.
    static func seedBody(fromCommand command: String) throws -> Data {
        let words = command.split(separator: " ").map(String.init)
        guard let index = words.firstIndex(of: "--settings"), index + 1 < words.count else { return Data("{}".utf8) }
        let path = words[index + 1]
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let settings = try Yams.load(yaml: text) as? [String: Any] else {
            throw HTTPFailure(.internalServerError, "\(path) is not a YAML mapping of seed settings")
        }
        return try JSONSerialization.data(withJSONObject: settings)
    }

    static func describe(_ seconds: Double) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let value = abs(seconds)
        if value >= 86400, value.truncatingRemainder(dividingBy: 86400) == 0 { return "\(sign)\(Int(value / 86400)) d" }
        if value >= 3600, value.truncatingRemainder(dividingBy: 3600) == 0 { return "\(sign)\(Int(value / 3600)) h" }
        return "\(sign)\(value.formatted()) s"
    }
}

struct ResetOutcome: Codable, Sendable {
    var reset: [String]
    var seeded: Int
}

private struct FaultList: Decodable { var faults: [FaultID] }
private struct FaultID: Decodable { var id: String }
private struct SeedAnswer: Decodable { var inserted: Int }
