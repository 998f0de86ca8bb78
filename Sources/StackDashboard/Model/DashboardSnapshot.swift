import StackSupervisor

/// Everything the overview shows, as one value: rendered into the page on load and pushed over SSE
/// (`event: snapshot`) whenever it changes. Counters that run by themselves (uptime, the registration's time
/// left) are sent as of `takenAtMs`; the page counts them on locally between snapshots.
public struct DashboardSnapshot: Codable, Sendable, Equatable {
    /// The stack's state: `starting`, `running`, `degraded` or `stopped`.
    public var state: String
    public var processes: [ProcessView]
    public var registration: RegistrationView?
    /// The fakes' clock (fake-tais's, which the registration's expiry reads); nil when no fake runs.
    public var clock: ClockView?
    /// fake-openmeter faults switched on from the dashboard: `outage`, `latency`, `rate_limit`.
    public var openMeterFaults: [String]
    /// fake-tais's Settings → Billing login link for the dev tenant (carries the dev token); nil without fake-tais.
    public var billingLink: String?
    /// Unix milliseconds when this was taken (stackctl's wall clock).
    public var takenAtMs: Int64

    public init(state: String, processes: [ProcessView], registration: RegistrationView?, clock: ClockView?,
                openMeterFaults: [String], billingLink: String?, takenAtMs: Int64) {
        self.state = state
        self.processes = processes
        self.registration = registration
        self.clock = clock
        self.openMeterFaults = openMeterFaults
        self.billingLink = billingLink
        self.takenAtMs = takenAtMs
    }
}

/// One process row.
public struct ProcessView: Codable, Sendable, Equatable {
    public var name: String
    /// `ServiceState`'s raw value: pending, starting, running, restarting, stopping, stopped, failed, external.
    public var state: String
    public var healthy: Bool
    public var pid: Int32?
    public var url: String?
    public var restarts: Int
    public var lastExit: String?
    /// Seconds since the current run started; nil when not running.
    public var uptimeSeconds: Double?
    /// Resident memory of the service process; nil when not running or unreadable.
    public var rssBytes: Int64?
    /// CPU use over the last sample interval, in percent of one core; nil until two samples exist.
    public var cpuPercent: Double?
    /// A real service stackctl uses but does not run: no buttons.
    public var external: Bool

    public init(name: String, state: String, healthy: Bool, pid: Int32?, url: String?, restarts: Int, lastExit: String?,
                uptimeSeconds: Double?, rssBytes: Int64?, cpuPercent: Double?, external: Bool) {
        self.name = name
        self.state = state
        self.healthy = healthy
        self.pid = pid
        self.url = url
        self.restarts = restarts
        self.lastExit = lastExit
        self.uptimeSeconds = uptimeSeconds
        self.rssBytes = rssBytes
        self.cpuPercent = cpuPercent
        self.external = external
    }
}

/// The registration panel.
public struct RegistrationView: Codable, Sendable, Equatable {
    public var toolId: String?
    public var sessionId: String?
    public var tenant: String?
    public var user: String?
    /// RFC 3339, on TAIS's clock.
    public var expiresAt: String?
    /// `expiresAt` minus TAIS's clock now, when both are known (negative: expired).
    public var secondsLeft: Double?
    public var renewals: Int
    /// pending, registering, registered, retrying, failed, deregistered.
    public var state: String
    public var lastError: String?

    public init(toolId: String?, sessionId: String?, tenant: String?, user: String?, expiresAt: String?,
                secondsLeft: Double?, renewals: Int, state: String, lastError: String?) {
        self.toolId = toolId
        self.sessionId = sessionId
        self.tenant = tenant
        self.user = user
        self.expiresAt = expiresAt
        self.secondsLeft = secondsLeft
        self.renewals = renewals
        self.state = state
        self.lastError = lastError
    }
}

/// A fake's clock as its `/_fake/clock` reports it.
public struct ClockView: Codable, Sendable, Equatable {
    /// RFC 3339.
    public var now: String
    /// `real`, `offset` or `frozen`.
    public var mode: String
    public var offsetSeconds: Double

    public init(now: String, mode: String, offsetSeconds: Double) {
        self.now = now
        self.mode = mode
        self.offsetSeconds = offsetSeconds
    }
}
