import Foundation
import Logging
import MCP

/// One MCP `Server` and Streamable HTTP transport per session (the SDK's server answers one
/// `initialize` only), each bound to the caller that opened it. Sessions idle past `idleTimeout` are
/// closed by `reap`. Their number is capped in all and per tenant, because the SDK keeps each
/// session's events in memory until it ends and one tenant must not lock the others out.
actor MCPSessionStore {
    struct Entry {
        let server: Server
        let transport: StatefulHTTPServerTransport
        let owner: SessionOwner
        var lastSeen: ContinuousClock.Instant
    }

    private var entries: [String: Entry] = [:]
    /// Open sessions plus those being opened, per tenant and in all: a slot is taken before the
    /// first suspension of `create`, so concurrent `initialize`s cannot overshoot a cap.
    private var slotsByTenant: [String: Int] = [:]
    private var slotsTaken = 0
    private let makeServer: @Sendable () async -> Server
    private let pipeline: any HTTPRequestValidationPipeline
    let maximumSessions: Int
    let maximumSessionsPerTenant: Int
    let idleTimeout: Duration
    let logger: Logger

    init(
        maximumSessions: Int = 1000, maximumSessionsPerTenant: Int = 100, idleTimeout: Duration = .seconds(1800),
        logger: Logger, makeServer: @escaping @Sendable () async -> Server
    ) {
        self.maximumSessions = maximumSessions
        self.maximumSessionsPerTenant = maximumSessionsPerTenant
        self.idleTimeout = idleTimeout
        self.logger = logger
        self.makeServer = makeServer
        // The SDK's default pipeline only admits localhost Host headers; credits-mcp runs behind
        // the chat platform under any host name, and callers are scoped per request instead.
        pipeline = StandardValidationPipeline(validators: [
            OriginValidator.disabled,
            AcceptHeaderValidator(mode: .sseRequired),
            ContentTypeValidator(),
            ProtocolVersionValidator(),
            SessionValidator(),
        ])
    }

    var count: Int { entries.count }

    func count(tenant: String) -> Int { entries.values.filter { $0.owner.tenant == tenant }.count }

    var sessionIDs: [String] { Array(entries.keys) }

    /// The session's transport when `owner` opened it; nil for an unknown id and for anyone else's
    /// session alike, so the two cannot be told apart.
    func lookup(_ id: String, owner: SessionOwner) -> StatefulHTTPServerTransport? {
        guard var entry = entries[id], entry.owner == owner else { return nil }
        entry.lastSeen = .now
        entries[id] = entry
        return entry.transport
    }

    func create(owner: SessionOwner) async throws(SessionRefusal) -> StatefulHTTPServerTransport {
        if slotsTaken >= maximumSessions || slots(owner.tenant) >= maximumSessionsPerTenant {
            await reap(idleFor: .seconds(60))
        }
        // No suspension from these checks to taking the slot.
        guard slots(owner.tenant) < maximumSessionsPerTenant else {
            logger.notice("MCP session refused: tenant at its cap", metadata: ["tenant": "\(owner.tenant)", "cap": "\(maximumSessionsPerTenant)"])
            throw SessionRefusal(kind: .tenantFull, message: "too many open MCP sessions for this tenant (at most \(maximumSessionsPerTenant)); close unused sessions (HTTP DELETE /mcp) or wait until idle ones expire")
        }
        guard slotsTaken < maximumSessions else {
            logger.warning("MCP session refused: server at its cap", metadata: ["cap": "\(maximumSessions)"])
            throw SessionRefusal(kind: .serverFull, message: "too many open MCP sessions on this server (at most \(maximumSessions)); try again later")
        }
        takeSlot(owner.tenant)
        let id = Self.newSessionID()
        let transport = StatefulHTTPServerTransport(sessionIDGenerator: FixedSessionID(id: id), validationPipeline: pipeline)
        let server = await makeServer()
        do {
            try await server.start(transport: transport)
        } catch {
            releaseSlot(owner.tenant)
            logger.error("cannot start an MCP session", metadata: ["error": "\(error)"])
            throw SessionRefusal(kind: .startFailed, message: "cannot open an MCP session; try again")
        }
        entries[id] = Entry(server: server, transport: transport, owner: owner, lastSeen: .now)
        return transport
    }

    func remove(_ id: String) async {
        guard let entry = entries.removeValue(forKey: id) else { return }
        releaseSlot(entry.owner.tenant)
        await entry.server.stop()
    }

    /// Closes sessions idle longer than `idleFor` (default: the store's idle timeout).
    func reap(idleFor: Duration? = nil) async {
        let limit = idleFor ?? idleTimeout
        let now = ContinuousClock.now
        let stale = entries.filter { now - $0.value.lastSeen > limit }.map(\.key)
        for id in stale { await remove(id) }
        if !stale.isEmpty { logger.info("closed \(stale.count) idle MCP session(s)") }
    }

    func removeAll() async {
        for id in Array(entries.keys) { await remove(id) }
    }

    private func slots(_ tenant: String) -> Int { slotsByTenant[tenant] ?? 0 }

    private func takeSlot(_ tenant: String) {
        slotsTaken += 1
        slotsByTenant[tenant, default: 0] += 1
    }

    private func releaseSlot(_ tenant: String) {
        slotsTaken -= 1
        let left = slots(tenant) - 1
        slotsByTenant[tenant] = left > 0 ? left : nil
    }

    /// 128 random bits, hex: session ids are bearer-like handles, so they must not be guessable.
    static func newSessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}

struct FixedSessionID: SessionIDGenerator {
    let id: String
    func generateSessionID() -> String { id }
}
