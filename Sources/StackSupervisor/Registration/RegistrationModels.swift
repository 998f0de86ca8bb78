import Foundation

/// What `stackctl status` shows of the registration (and what the control API serves).
public struct RegistrationSnapshot: Codable, Sendable, Equatable {
    public var toolId: String?
    public var sessionId: String?
    public var tenant: String?
    public var user: String?
    /// The tool's `expiresAt` as TAIS reported it (RFC 3339, on TAIS's clock).
    public var expiresAt: String?
    /// Re-registrations after the first.
    public var renewals: Int
    /// `pending`, `registering`, `registered`, `retrying`, `failed` or `deregistered`.
    public var state: String
    public var lastError: String?
    /// The token's `exp` (RFC 3339), when it has one.
    public var tokenExpiresAt: String?

    enum CodingKeys: String, CodingKey {
        case toolId, sessionId, tenant, user, expiresAt, renewals, state, lastError, tokenExpiresAt
    }

    /// Absent values are written as `null`, as the contract's status shape has them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(toolId, forKey: .toolId)
        try container.encode(sessionId, forKey: .sessionId)
        try container.encode(tenant, forKey: .tenant)
        try container.encode(user, forKey: .user)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(renewals, forKey: .renewals)
        try container.encode(state, forKey: .state)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(tokenExpiresAt, forKey: .tokenExpiresAt)
    }

    public init(
        toolId: String? = nil, sessionId: String? = nil, tenant: String? = nil, user: String? = nil, expiresAt: String? = nil,
        renewals: Int = 0, state: String = "pending", lastError: String? = nil, tokenExpiresAt: String? = nil
    ) {
        self.toolId = toolId
        self.sessionId = sessionId
        self.tenant = tenant
        self.user = user
        self.expiresAt = expiresAt
        self.renewals = renewals
        self.state = state
        self.lastError = lastError
        self.tokenExpiresAt = tokenExpiresAt
    }
}

/// Where the bearer token for TAIS comes from.
public enum TokenSource: Sendable, Equatable {
    /// A token given to stackctl (`TAIS_JWT`), used as is; only decoded, never refreshed.
    case provided(String)
    /// A dev token minted by fake-tais (`POST /_fake/tokens` on the TAIS URL) and re-minted before it runs out.
    case mint(DevIdentity)
}

/// Everything the keeper needs to register the tool and wire it to a session.
public struct RegistrationPlan: Sendable {
    /// TAIS's base URL, e.g. `http://127.0.0.1:5001`.
    public var taisURL: String
    /// The URL registered as the tool: credits-mcp's URL including its path (`/mcp`).
    public var toolURL: String
    public var toolName: String
    public var toolDescription: String
    /// `--session ID`: this session must exist (404 fails), it is never replaced.
    public var requestedSessionID: String?
    /// The title of a session the keeper creates.
    public var sessionTitle: String
    /// Renewal fraction, jitter and check period.
    public var settings: Registration
    public var tokenSource: TokenSource
    /// The claim names for decoding a provided token (minted ones use fake-tais's names).
    public var claims: ClaimNames
    /// Granted once to the tenant on a fresh state dir, only when minting against the fake; 0: none.
    public var startingCredits: Double
    /// Where `registration.json` and the `.granted` marker live; nil: nothing persisted.
    public var stateDirectory: URL?
    /// TAIS is the fake stackctl started: its `/_fake/clock` is TAIS's time, so a clock moved forward (a test
    /// or a demo) is seen at the next check and the registration renewed before it expires there.
    public var taisHasFakeClock = false

    public init(
        taisURL: String, toolURL: String, toolName: String, toolDescription: String = "AI-credit usage reports",
        requestedSessionID: String? = nil, sessionTitle: String = "stackctl", settings: Registration,
        tokenSource: TokenSource, claims: ClaimNames = ClaimNames(), startingCredits: Double = 0, stateDirectory: URL? = nil
    ) {
        self.taisURL = taisURL
        self.toolURL = toolURL
        self.toolName = toolName
        self.toolDescription = toolDescription
        self.requestedSessionID = requestedSessionID
        self.sessionTitle = sessionTitle
        self.settings = settings
        self.tokenSource = tokenSource
        self.claims = claims
        self.startingCredits = startingCredits
        self.stateDirectory = stateDirectory
    }
}

/// Why the tool could not be registered: what failed and, when TAIS answered, its status and error body.
public struct RegistrationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// TAIS's HTTP status, when it answered.
    public var status: Int?
    /// The underlying error in words (TAIS's answer), without the context `message` adds.
    public var detail: String?
    public init(_ message: String, status: Int? = nil, detail: String? = nil) {
        self.message = message
        self.status = status
        self.detail = detail
    }
    public var description: String { message }
}

/// `registration.json` in the state dir (mode 0600: it holds the token), rewritten after each change so a
/// later run can reuse the session and remove a registration it left behind.
public struct RegistrationRecord: Codable, Sendable, Equatable {
    public static let fileName = "registration.json"

    public var taisURL: String?
    public var toolId: String?
    public var sessionId: String?
    public var tenant: String?
    public var user: String?
    /// The tool's `expiresAt` as TAIS reported it.
    public var expiresAt: String?
    public var renewals: Int
    public var token: String?
    public var tokenExpiresAt: String?

    public init(
        taisURL: String? = nil, toolId: String? = nil, sessionId: String? = nil, tenant: String? = nil, user: String? = nil,
        expiresAt: String? = nil, renewals: Int = 0, token: String? = nil, tokenExpiresAt: String? = nil
    ) {
        self.taisURL = taisURL
        self.toolId = toolId
        self.sessionId = sessionId
        self.tenant = tenant
        self.user = user
        self.expiresAt = expiresAt
        self.renewals = renewals
        self.token = token
        self.tokenExpiresAt = tokenExpiresAt
    }

    public static func fileURL(in directory: URL) -> URL {
        directory.appendingPathComponent(fileName)
    }

    /// The record in `directory`, nil when there is none or it cannot be read.
    public static func load(from directory: URL) -> RegistrationRecord? {
        guard let data = try? Data(contentsOf: fileURL(in: directory)) else { return nil }
        return try? JSONDecoder().decode(RegistrationRecord.self, from: data)
    }

    /// Writes the record atomically (a temporary file renamed over the old one), mode 0600.
    public func save(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        try PrivateFile.write(data, to: Self.fileURL(in: directory))
    }
}
