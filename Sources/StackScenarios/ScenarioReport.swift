/// A scenario as `scenario list` and the dashboard list it.
public struct ScenarioSummary: Codable, Sendable, Equatable {
    public var name: String
    public var description: String
    public var steps: Int

    public init(name: String, description: String, steps: Int) {
        self.name = name
        self.description = description
        self.steps = steps
    }
}

/// A run's outcome (`scenario run --json` prints it; the dashboard streams it as it grows).
public struct ScenarioReport: Codable, Sendable, Equatable {
    /// `running`, `passed` or `failed`.
    public var status: String
    public var name: String
    public var steps: [ScenarioStepReport]
    public var durationMs: Double

    public var passed: Bool { status == "passed" }

    public init(status: String, name: String, steps: [ScenarioStepReport], durationMs: Double) {
        self.status = status
        self.name = name
        self.steps = steps
        self.durationMs = durationMs
    }
}

public struct ScenarioStepReport: Codable, Sendable, Equatable {
    /// 1-based, in file order (`finally` steps follow the others).
    public var index: Int
    public var name: String
    /// `pending`, `running`, `passed`, `failed` or `skipped` (after a failure; `finally` steps still run).
    public var status: String
    /// Why it failed (expected vs got), or a short note of what it did.
    public var detail: String?
    public var durationMs: Double?
    /// A `finally` step (cleanup).
    public var cleanup: Bool

    public init(index: Int, name: String, status: String, detail: String?, durationMs: Double?, cleanup: Bool) {
        self.index = index
        self.name = name
        self.status = status
        self.detail = detail
        self.durationMs = durationMs
        self.cleanup = cleanup
    }
}
