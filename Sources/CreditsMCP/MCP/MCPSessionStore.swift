import Foundation
import Logging
import MCP

/// One MCP `Server` and Streamable HTTP transport per session (the SDK's server answers one
/// `initialize` only). Sessions idle past `idleTimeout` are closed by `reap`, and their count is capped,
/// because the SDK keeps each session's events in memory until it ends.
actor MCPSessionStore {
    struct Entry {
        let server: Server
        let transport: StatefulHTTPServerTransport
        var lastSeen: ContinuousClock.Instant
    }

    private var entries: [String: Entry] = [:]
    private let makeServer: @Sendable () async -> Server
    private let pipeline: any HTTPRequestValidationPipeline
    let maximumSessions: Int
    let idleTimeout: Duration
    let logger: Logger

    init(maximumSessions: Int = 1000, idleTimeout: Duration = .seconds(1800), logger: Logger, makeServer: @escaping @Sendable () async -> Server) {
        self.maximumSessions = maximumSessions
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

    func lookup(_ id: String) -> StatefulHTTPServerTransport? {
        guard var entry = entries[id] else { return nil }
        entry.lastSeen = .now
        entries[id] = entry
        return entry.transport
    }

    func create() async throws -> StatefulHTTPServerTransport {
        if entries.count >= maximumSessions { await reap(idleFor: .seconds(60)) }
        guard entries.count < maximumSessions else { throw MCPError.internalError("too many open MCP sessions; try again later") }
        let id = Self.newSessionID()
        let transport = StatefulHTTPServerTransport(sessionIDGenerator: FixedSessionID(id: id), validationPipeline: pipeline)
        let server = await makeServer()
        try await server.start(transport: transport)
        entries[id] = Entry(server: server, transport: transport, lastSeen: .now)
        return transport
    }

    func remove(_ id: String) async {
        guard let entry = entries.removeValue(forKey: id) else { return }
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
