import Foundation
import StackClients
import StackSupervisor
import WireFormats

/// Builds the dashboard's snapshot from the supervisor, /proc and fake-tais's clock.
actor SnapshotSource {
    let supervisor: Supervisor
    let fakes: FakesDesk
    private var sampler = ResourceSampler()
    private var lastResources: [Int32: (rss: Int64, cpu: Double?)] = [:]
    /// Read over HTTP from the fakes on resource ticks only: a state change must not wait on a fake (perhaps the
    /// very one that is stopping).
    private var clock: ClockView?
    private var faults: [String] = []

    init(supervisor: Supervisor, fakes: FakesDesk) {
        self.supervisor = supervisor
        self.fakes = fakes
    }

    /// `resample`: read /proc and the fakes' clock and faults again (every resource tick); otherwise reuse the last
    /// readings, so a state change is not slowed by them and CPU is always measured over a whole tick.
    func snapshot(resample: Bool) async -> DashboardSnapshot {
        let status = await supervisor.status()
        let uptimes = await supervisor.uptimes()
        let pids = status.services.compactMap(\.pid)
        if resample || pids.contains(where: { lastResources[$0] == nil }) {
            lastResources = sampler.sample(pids)
        }
        if resample {
            clock = await fakes.taisClock()
            faults = await fakes.openMeterFaultKinds()
        }
        let env = await supervisor.environment()
        let processes = status.services.map { service in
            let usage = service.pid.flatMap { lastResources[$0] }
            return ProcessView(
                name: service.name, state: service.state.rawValue, healthy: service.healthy, pid: service.pid,
                url: service.url, restarts: service.restarts, lastExit: service.lastExit,
                uptimeSeconds: uptimes[service.name].map(Self.seconds), rssBytes: usage?.rss, cpuPercent: usage?.cpu,
                external: service.state == .external)
        }
        let registration = status.registration.map { snapshot in
            RegistrationView(
                toolId: snapshot.toolId, sessionId: snapshot.sessionId, tenant: snapshot.tenant, user: snapshot.user,
                expiresAt: snapshot.expiresAt, secondsLeft: Self.secondsLeft(snapshot.expiresAt, now: clock?.now),
                renewals: snapshot.renewals, state: snapshot.state, lastError: snapshot.lastError)
        }
        return DashboardSnapshot(
            state: status.state.rawValue, processes: processes, registration: registration, clock: clock,
            openMeterFaults: faults, billingLink: status.billingLink(env: env),
            takenAtMs: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `expiresAt − now`, both RFC 3339 on TAIS's clock; without a fake clock, against this machine's.
    static func secondsLeft(_ expiresAt: String?, now: String?) -> Double? {
        guard let expiresAt, let expires = RFC3339.parse(expiresAt) else { return nil }
        let nowSeconds: Double
        if let now, let parsed = RFC3339.parse(now) {
            nowSeconds = Double(parsed.seconds) + Double(parsed.nanos) / 1e9
        } else {
            nowSeconds = Date().timeIntervalSince1970
        }
        return Double(expires.seconds) + Double(expires.nanos) / 1e9 - nowSeconds
    }
}
