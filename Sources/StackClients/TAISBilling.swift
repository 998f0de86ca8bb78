/// `GET /api/v1/organizations/{orgId}/ai-credits/summary`.
public struct TAISBillingSummary: Decodable, Sendable, Equatable {
    public struct HostedServers: Decodable, Sendable, Equatable {
        public var used: Int
        public var cap: Int
    }

    public var orgId: String
    public var balanceCredits: Double
    public var purchasedCredits: Double
    public var usedCredits: Double
    public var creditsPerUsd: Double
    public var plan: String
    public var hostedServers: HostedServers
}

/// One entry of the prepaid ledger.
public struct TAISLedgerEntry: Decodable, Sendable, Equatable {
    public var id: String
    /// `usage`, `purchase` or `grant`.
    public var category: String
    /// Signed as the server writes it (a usage entry's sign is the server's choice; compare magnitudes).
    public var credits: Double
    public var balanceAfter: Double
    public var description: String?
    public var sessionId: String?
    public var messageId: String?
    public var createdAt: String
}

/// `GET /api/v1/organizations/{orgId}/ai-credits/ledger`: one page, newest first.
public struct TAISLedgerPage: Decodable, Sendable, Equatable {
    public var items: [TAISLedgerEntry]
    public var page: Int
    public var pageSize: Int
    /// Entries over all pages.
    public var total: Int
}
