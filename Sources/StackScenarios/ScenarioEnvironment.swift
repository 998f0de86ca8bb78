import Foundation

/// Where a scenario's requests go and the built-in variables they may use.
public struct ScenarioEnvironment: Sendable {
    /// service name → base URL without trailing slash: "openmeter", "tais", "stripe", "mcp", "stackctl"
    public var services: [String: String]
    /// Built-ins: `tenant`, `tais_jwt`, `session_id`, `tool_id`, `openmeter_key`, `stripe_key`, `control_token` and
    /// `<service>_url` (`mcp_url` is the whole MCP endpoint). `run_id` is added per run.
    public var variables: [String: String]

    public static let defaultTenant = "tenant-01"
    public static let defaultStripeKey = "sk_test_credits_stack_dev"

    public init(services: [String: String], variables: [String: String]) {
        self.services = services
        self.variables = variables
    }

    /// Built from `stackctl env`'s map (OPENMETER_URL, OPENMETER_API_KEY, TAIS_URL, STRIPE_URL, MCP_URL (ends in /mcp: the
    /// "mcp" service is its scheme://host:port), TAIS_JWT, TAIS_SESSION_ID, TAIS_TOOL_ID) plus stackctl's control URL and token.
    public init(stackEnv: [String: String], controlURL: String, controlToken: String, tenant: String?) {
        var services: [String: String] = [:]
        var variables: [String: String] = [:]
        let urls = ["openmeter": "OPENMETER_URL", "tais": "TAIS_URL", "stripe": "STRIPE_URL"]
        for (service, key) in urls {
            if let url = stackEnv[key], !url.isEmpty { services[service] = Self.trimmed(url) }
        }
        services["stackctl"] = Self.trimmed(controlURL)
        if let mcp = stackEnv["MCP_URL"], !mcp.isEmpty {
            services["mcp"] = Self.origin(of: mcp)
            variables["mcp_url"] = mcp
        }
        for (service, url) in services where service != "mcp" { variables["\(service)_url"] = url }

        variables["tenant"] = tenant.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultTenant
        let copied = ["tais_jwt": "TAIS_JWT", "session_id": "TAIS_SESSION_ID", "tool_id": "TAIS_TOOL_ID", "openmeter_key": "OPENMETER_API_KEY"]
        for (variable, key) in copied {
            if let value = stackEnv[key], !value.isEmpty { variables[variable] = value }
        }
        // The stack's processes get STRIPE_SECRET_KEY from stackctl's environment, with this default.
        let stripeKey = stackEnv["STRIPE_SECRET_KEY"] ?? ProcessInfo.processInfo.environment["STRIPE_SECRET_KEY"]
        variables["stripe_key"] = stripeKey.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultStripeKey
        variables["control_token"] = controlToken
        self.init(services: services, variables: variables)
    }

    /// Sends one service's requests elsewhere (a proxy, another server); its `<service>_url` follows
    /// (for mcp, `mcp_url` keeps the endpoint's path on the new base).
    public mutating func override(service: String, url: String) {
        let base = Self.trimmed(url)
        if service == "mcp" {
            let path = variables["mcp_url"].flatMap { URLComponents(string: $0)?.path } ?? "/mcp"
            variables["mcp_url"] = base + (path.isEmpty ? "/mcp" : path)
        } else {
            variables["\(service)_url"] = base
        }
        services[service] = base
    }

    static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `http://127.0.0.1:8765/mcp` → `http://127.0.0.1:8765`.
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return trimmed(url)
        }
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost)" + (components.port.map { ":\($0)" } ?? "")
    }
}
