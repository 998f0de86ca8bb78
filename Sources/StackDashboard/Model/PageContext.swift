/// What every dashboard page is rendered from.
public struct PageContext: Sendable {
    /// The per-run control token: put in `<meta name="stackctl-token">` for the page's mutating requests.
    public var token: String
    public var snapshot: DashboardSnapshot
    /// Process names, sorted (the log filter's choices).
    public var processNames: [String]
    /// The dev tenant's balance (the chat page shows it on load); nil elsewhere or when TAIS does not answer.
    public var balanceCredits: Double?

    public init(token: String, snapshot: DashboardSnapshot, processNames: [String], balanceCredits: Double? = nil) {
        self.token = token
        self.snapshot = snapshot
        self.processNames = processNames
        self.balanceCredits = balanceCredits
    }
}
