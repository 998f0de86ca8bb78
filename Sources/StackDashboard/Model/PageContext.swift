/// What every dashboard page is rendered from.
public struct PageContext: Sendable {
    /// The per-run control token: put in `<meta name="stackctl-token">` for the page's mutating requests.
    public var token: String
    public var snapshot: DashboardSnapshot
    /// Process names, sorted (the log filter's choices).
    public var processNames: [String]

    public init(token: String, snapshot: DashboardSnapshot, processNames: [String]) {
        self.token = token
        self.snapshot = snapshot
        self.processNames = processNames
    }
}
