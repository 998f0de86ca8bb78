/// A named scenario, as loaded from `compose/scenarios/<name>.yaml`: requests against the stack's public APIs and
/// the fakes' `/_fake/` controls, each with the outcome it expects.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    /// `variables:` in file order; each may use built-ins and the ones before it.
    public var variables: [ScenarioVariable]
    public var steps: [ScenarioStep]
    /// `finally:` steps: always run, even after a failure.
    public var cleanup: [ScenarioStep]

    public init(name: String, description: String, variables: [ScenarioVariable], steps: [ScenarioStep],
                cleanup: [ScenarioStep]) {
        self.name = name
        self.description = description
        self.variables = variables
        self.steps = steps
        self.cleanup = cleanup
    }

    /// What `scenario list` and the dashboard show; `steps` counts the `finally` steps too, as a report lists them.
    public var summary: ScenarioSummary {
        ScenarioSummary(name: name, description: description, steps: steps.count + cleanup.count)
    }
}

public struct ScenarioVariable: Sendable {
    public var name: String
    public var value: ScenarioValue
}

public struct ScenarioStep: Sendable {
    public var name: String
    public var request: ScenarioRequest
    /// nil: any 2xx passes.
    public var expect: ScenarioExpectation?
    public var save: [ScenarioSave]
    /// Poll until `expect` holds.
    public var retry: ScenarioRetry?
    /// How many times to send it (`repeat:`); each send must meet `expect`.
    public var repeatCount: Int
    /// The repeats at once instead of one after another.
    public var concurrent: Bool
}

public enum ScenarioService: String, Sendable, CaseIterable {
    case openmeter, tais, stripe, mcp, stackctl

    /// The credentials a request carries when it names none.
    public var defaultAuth: ScenarioAuth {
        switch self {
        case .tais, .mcp: .user
        case .stripe: .stripe
        case .openmeter: .openmeter
        case .stackctl: .control
        }
    }
}

public enum ScenarioAuth: String, Sendable, CaseIterable {
    case user, stripe, openmeter, control, none

    /// The variable holding the bearer token (so a scenario can switch user by saving its own `tais_jwt`).
    public var tokenVariable: String? {
        switch self {
        case .user: "tais_jwt"
        case .stripe: "stripe_key"
        case .openmeter: "openmeter_key"
        case .control: "control_token"
        case .none: nil
        }
    }
}

public struct ScenarioRequest: Sendable {
    public var service: ScenarioService
    public var method: String
    /// Starts with `/`; may carry a query.
    public var path: ScenarioText
    /// nil: the service's default.
    public var auth: ScenarioAuth?
    /// An explicit bearer token; overrides `auth`.
    public var token: ScenarioText?
    public var body: ScenarioBody
    public var headers: [ScenarioHeader]
}

public enum ScenarioBody: Sendable {
    case none
    case json(ScenarioValue)
    /// `application/x-www-form-urlencoded`, as Stripe takes it; nested mappings and lists flatten to `a[b]`, `a[0]`.
    case form([ScenarioMember])
}

public struct ScenarioHeader: Sendable {
    public var name: String
    public var value: ScenarioText
}

public struct ScenarioExpectation: Sendable {
    /// nil: any 2xx.
    public var statuses: [Int]?
    public var json: [ScenarioJSONCheck]
    /// On the raw body text.
    public var body: ScenarioCheck?
    public var headers: [ScenarioHeaderCheck]
}

public struct ScenarioJSONCheck: Sendable {
    public var path: JSONPath
    public var check: ScenarioCheck
}

public struct ScenarioHeaderCheck: Sendable {
    public var name: String
    public var check: ScenarioCheck
}

/// `save: name: path`: a value of the reply kept as a variable for the steps after.
public struct ScenarioSave: Sendable {
    public var variable: String
    /// A dotted path into the JSON body, or `status`.
    public var path: JSONPath
}

public struct ScenarioRetry: Sendable {
    public var timeout: Duration
    public var interval: Duration
}
