import Foundation
import Testing
@testable import StackSupervisor

/// The problems `yaml` has, as printed.
func issues(_ yaml: String) -> [String] {
    do {
        _ = try StackFile.parse(yaml)
        return []
    } catch {
        return error.issues.map(\.description)
    }
}

/// `compose/stack.yaml`: parsed with lines kept, every problem named by key path and line, processes ordered in waves.
@Suite struct StackFileTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()


    @Test func theShippedStackFileParsesAndStartsInDependencyOrder() throws {
        let stack = try StackFile.load(path: Self.repoRoot.appendingPathComponent("compose/stack.yaml").path)
        #expect(stack.startOrder() == [["fake-openmeter", "fake-stripe"], ["fake-tais"], ["credits-mcp"]])
        #expect(stack.stopOrder() == [["credits-mcp"], ["fake-tais"], ["fake-openmeter", "fake-stripe"]])
        let mcp = try #require(stack.processes["credits-mcp"])
        #expect(mcp.dependsOn == ["fake-openmeter": .processHealthy, "fake-tais": .processHealthy])
        #expect(mcp.environment.contains(EnvironmentEntry(key: "MCP_AUTH", value: "jwt")))
        #expect(mcp.environment.contains { $0.key == "TAIS_JWKS_URL" && $0.value.hasSuffix("/.well-known/jwks.json") })
        #expect(mcp.command == "${BIN}/credits-mcp --download-dir ${STATE_DIR}/downloads")
        for process in stack.processes.values {
            #expect(process.readinessProbe?.path == "/health")
            #expect(process.availability.restart == .onFailure)
            #expect(process.shutdown.signal == 15)
        }
        #expect(stack.processes["fake-openmeter"]?.extras.seed?.contains("fake-openmeter seed") == true)
        // env and default only: which processes carry a url_env is the stack file's choice.
        #expect(stack.stackctl.ports.mapValues { "\($0.env)=\($0.defaultPort)" } == [
            "fake-openmeter": "OPENMETER_PORT=8888",
            "fake-tais": "TAIS_PORT=5001",
            "fake-stripe": "STRIPE_PORT=12111",
            "credits-mcp": "MCP_PORT=8765",
        ])
        // The fakes can be replaced by real services through their URL variables.
        #expect(stack.stackctl.ports["fake-openmeter"]?.urlEnv == "OPENMETER_URL")
        #expect(stack.stackctl.ports["fake-tais"]?.urlEnv == "TAIS_URL")
        #expect((stack.stackctl.identity?.startingCredits ?? 0) > 0)
        #expect(stack.stackctl.registration?.toolProcess == "credits-mcp")
        #expect(stack.stackctl.registration?.renewAtFraction == 0.8)
        #expect(stack.stackctl.identity?.groups == ["Administrators"])
    }

    @Test func defaultsAndWavesAreAlphabetical() throws {
        let stack = try StackFile.parse("""
        processes:
          zeta:
            command: run zeta
          alpha:
            command: run alpha
          mid:
            command: run mid
            depends_on:
              zeta: {condition: process_started}
              alpha: {condition: process_healthy}
          top:
            command: run top
            depends_on:
              alpha: {condition: process_started}
          off:
            command: never
            disabled: true
        """)
        #expect(stack.startOrder() == [["alpha", "zeta"], ["mid", "top"]])
        #expect(stack.stopOrder() == [["mid", "top"], ["alpha", "zeta"]])
        let zeta = try #require(stack.processes["zeta"])
        #expect(zeta.availability == Availability())
        #expect(zeta.shutdown.timeoutSeconds == 10)
        #expect(zeta.readinessProbe == nil)
        #expect(stack.processes["off"]?.disabled == true)
    }

    @Test func anUnknownConditionNamesItsKeyAndLine() {
        #expect(issues("""
        processes:
          fake-tais:
            command: x
          credits-mcp:
            command: y
            depends_on:
              fake-tais:
                condition: ready
        """) == [#"compose/stack.yaml:8: processes.credits-mcp.depends_on.fake-tais.condition: must be process_started or process_healthy, got "ready""#])
    }

    @Test func unknownKeysAreErrorsExceptXPrefixed() {
        #expect(issues("""
        x-anchors: {a: 1}
        processes:
          a:
            comand: x
            x-note: fine
        extra: 1
        """) == [
            "compose/stack.yaml:3: processes.a.command: required",
            "compose/stack.yaml:4: processes.a.comand: unknown key",
            "compose/stack.yaml:6: extra: unknown key",
        ])
    }

    @Test func aMissingDependencyIsNamed() {
        #expect(issues("""
        processes:
          a:
            command: x
            depends_on:
              ghost:
                condition: process_started
        """) == [#"compose/stack.yaml:5: processes.a.depends_on.ghost: no process named "ghost""#])
    }

    @Test func aCycleIsNamed() {
        #expect(issues("""
        processes:
          a:
            command: x
            depends_on:
              b: {condition: process_started}
          b:
            command: y
            depends_on:
              c: {condition: process_healthy}
          c:
            command: z
            depends_on:
              a: {condition: process_healthy}
        """) == ["compose/stack.yaml:5: processes.a.depends_on.b: dependency cycle: a -> b -> c -> a"])
        #expect(issues("""
        processes:
          a:
            command: x
            depends_on:
              a: {condition: process_started}
        """) == ["compose/stack.yaml:5: processes.a.depends_on.a: a process cannot depend on itself"])
    }

    @Test func portsDurationsAndRestartPoliciesAreChecked() {
        #expect(issues("""
        processes:
          a:
            command: x
            readiness_probe:
              http_get:
                port: 70000
              period_seconds: 0
              initial_delay_seconds: -1
            availability:
              restart: sometimes
              backoff_seconds: -2
            shutdown:
              signal: NOPE
              timeout_seconds: 0
        x-stackctl:
          ports:
            a: {env: A_PORT, default: -1}
            b: {env: B_PORT, default: 1}
          registration:
            toolName: t
            toolProcess: nobody
            renewAtFraction: 1.5
        """) == [
            "compose/stack.yaml:6: processes.a.readiness_probe.http_get.port: must be a port between 0 and 65535, got 70000",
            "compose/stack.yaml:7: processes.a.readiness_probe.period_seconds: must be positive, got 0",
            "compose/stack.yaml:8: processes.a.readiness_probe.initial_delay_seconds: must be 0 or more, got -1",
            #"compose/stack.yaml:10: processes.a.availability.restart: must be always, on_failure, exit_on_failure or no, got "sometimes""#,
            "compose/stack.yaml:11: processes.a.availability.backoff_seconds: must be 0 or more, got -2",
            #"compose/stack.yaml:13: processes.a.shutdown.signal: must be a signal number (1-64) or one of TERM, INT, HUP, QUIT, KILL, USR1, USR2, got "NOPE""#,
            "compose/stack.yaml:14: processes.a.shutdown.timeout_seconds: must be positive, got 0",
            "compose/stack.yaml:17: x-stackctl.ports.a.default: must be a port between 0 and 65535, got -1",
            #"compose/stack.yaml:18: x-stackctl.ports.b: no process named "b""#,
            #"compose/stack.yaml:21: x-stackctl.registration.toolProcess: no process named "nobody""#,
            "compose/stack.yaml:22: x-stackctl.registration.renewAtFraction: must be between 0 and 1 (exclusive), got 1.5",
        ])
    }

    @Test func wrongTypesAreNamed() {
        #expect(issues("""
        processes:
          a:
            command: [not, a, string]
            environment: KEY=VALUE
            disabled: "yes"
            readiness_probe:
              http_get:
                port: "8080"
              timeout_seconds: soon
          b:
            command: y
            environment:
              - NOEQUALS
            depends_on: [a]
        """) == [
            "compose/stack.yaml:3: processes.a.command: must be a string, got a list",
            #"compose/stack.yaml:4: processes.a.environment: must be a list, got "KEY=VALUE""#,
            #"compose/stack.yaml:5: processes.a.disabled: must be true or false, got "yes""#,
            #"compose/stack.yaml:8: processes.a.readiness_probe.http_get.port: must be a whole number, got "8080""#,
            #"compose/stack.yaml:9: processes.a.readiness_probe.timeout_seconds: must be a whole number, got "soon""#,
            #"compose/stack.yaml:13: processes.b.environment[0]: must be KEY=VALUE, got "NOEQUALS""#,
            "compose/stack.yaml:14: processes.b.depends_on: must be a mapping, got a list",
        ])
        #expect(issues("- just a list") == ["compose/stack.yaml:1: (root): the stack file must be a mapping with a processes key"])
        #expect(issues("processes: {}") == ["compose/stack.yaml:1: processes: must define at least one process"])
    }

    @Test func aDisabledDependencyIsAnError() {
        #expect(issues("""
        processes:
          a:
            command: x
            disabled: true
          b:
            command: y
            depends_on:
              a: {condition: process_started}
        """) == [#"compose/stack.yaml:8: processes.b.depends_on.a: "a" is disabled"#])
    }

    @Test func duplicateKeysAreErrors() {
        #expect(issues("""
        processes:
          a:
            command: x
            command: y
        """) == [#"compose/stack.yaml:3: (yaml): duplicate key "command""#])
    }

    @Test func invalidYAMLReportsItsLine() {
        let found = issues("processes:\n  a:\n    command: [unclosed\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("compose/stack.yaml:") == true)
        #expect(found.first?.contains("(yaml): not valid YAML:") == true)
    }
}

/// The keys added for stackctl's supervisor (issue 14): each good value lands in the model, each bad one is named.
@Suite struct StackFileSupervisorKeysTests {
    @Test func goodValuesLandInTheModel() throws {
        let stack = try StackFile.parse("""
        processes:
          tais:
            command: run tais
            x-stackctl:
              seed: seed tais
              backoff_max_seconds: 60
              stable_seconds: 0
          mcp:
            command: run mcp
        x-stackctl:
          identity:
            tenant: t
            user: u
            startingCredits: 2500.5
          registration:
            toolName: mcp
            toolProcess: mcp
            checkSeconds: 5
          claims:
            tenant: tid
            user: preferred_username
            groups: grp
            roles: rl
          ports:
            tais: {env: TAIS_PORT, default: 5001, url_env: TAIS_URL}
            mcp: {env: MCP_PORT, default: 0}
        """)
        let tais = try #require(stack.processes["tais"])
        #expect(tais.extras.seed == "seed tais")
        #expect(tais.extras.backoffMaxSeconds == 60)
        #expect(tais.extras.stableSeconds == 0)
        #expect(stack.stackctl.identity?.startingCredits == 2500.5)
        #expect(stack.stackctl.registration?.checkSeconds == 5)
        var claims = ClaimNames()
        claims.tenant = "tid"
        claims.user = "preferred_username"
        claims.groups = "grp"
        claims.roles = "rl"
        #expect(stack.stackctl.claims == claims)
        #expect(stack.stackctl.ports["tais"] == PortSetting(env: "TAIS_PORT", defaultPort: 5001, urlEnv: "TAIS_URL"))
        #expect(stack.stackctl.ports["mcp"] == PortSetting(env: "MCP_PORT", defaultPort: 0))
    }

    @Test func omittedKeysTakeTheirDefaults() throws {
        let stack = try StackFile.parse("""
        processes:
          mcp:
            command: run mcp
        x-stackctl:
          identity: {tenant: t, user: u, startingCredits: 7}
          registration: {toolName: mcp, toolProcess: mcp}
          claims: {user: name}
        """)
        let mcp = try #require(stack.processes["mcp"])
        #expect(mcp.extras.backoffMaxSeconds == 30)
        #expect(mcp.extras.stableSeconds == 30)
        #expect(mcp.extras.seed == nil)
        #expect(stack.stackctl.identity?.startingCredits == 7)
        #expect(stack.stackctl.registration?.checkSeconds == 2)
        #expect(stack.stackctl.claims.user == "name")
        #expect(stack.stackctl.claims.tenant == "tenant_id")
        #expect(stack.stackctl.claims.groups == "groups")
        #expect(stack.stackctl.claims.roles == "roles")
        let bare = try StackFile.parse("processes:\n  a:\n    command: x\n")
        #expect(bare.stackctl.claims == ClaimNames())
        #expect(bare.processes["a"]?.extras == ProcessExtras())
    }

    @Test func badProcessExtrasAreNamed() {
        #expect(issues("""
        processes:
          a:
            command: x
            x-stackctl:
              backoff_max_seconds: -1
              stable_seconds: soon
              restart_on: never
              seed: ""
        """) == [
            "compose/stack.yaml:5: processes.a.x-stackctl.backoff_max_seconds: must be 0 or more, got -1",
            #"compose/stack.yaml:6: processes.a.x-stackctl.stable_seconds: must be a whole number, got "soon""#,
            "compose/stack.yaml:7: processes.a.x-stackctl.restart_on: unknown key",
            "compose/stack.yaml:8: processes.a.x-stackctl.seed: must not be empty",
        ])
        #expect(issues("""
        processes:
          a:
            command: x
            x-stackctl:
              backoff_max_seconds: 1.5
              stable_seconds: [30]
        """) == [
            #"compose/stack.yaml:5: processes.a.x-stackctl.backoff_max_seconds: must be a whole number, got "1.5""#,
            "compose/stack.yaml:6: processes.a.x-stackctl.stable_seconds: must be a whole number, got a list",
        ])
    }

    @Test func badIdentityAndRegistrationValuesAreNamed() {
        #expect(issues("""
        processes:
          a:
            command: x
        x-stackctl:
          identity:
            tenant: t
            user: u
            startingCredits: -5
          registration:
            toolName: a
            toolProcess: a
            checkSeconds: 0
        """) == [
            "compose/stack.yaml:8: x-stackctl.identity.startingCredits: must be 0 or more, got -5",
            "compose/stack.yaml:12: x-stackctl.registration.checkSeconds: must be positive, got 0",
        ])
        #expect(issues("""
        processes:
          a:
            command: x
        x-stackctl:
          identity:
            tenant: t
            user: u
            startingCredits: "100"
          registration:
            toolName: a
            toolProcess: a
            checkSeconds: 2.5
            checkEvery: 3
        """) == [
            #"compose/stack.yaml:8: x-stackctl.identity.startingCredits: must be a number, got "100""#,
            #"compose/stack.yaml:12: x-stackctl.registration.checkSeconds: must be a whole number, got "2.5""#,
            "compose/stack.yaml:13: x-stackctl.registration.checkEvery: unknown key",
        ])
        #expect(issues("""
        processes:
          a:
            command: x
        x-stackctl:
          identity: {tenant: t, user: u, startingCredits: .inf}
        """) == [#"compose/stack.yaml:5: x-stackctl.identity.startingCredits: must be a number, got ".inf""#])
    }

    @Test func badClaimsAreNamed() {
        #expect(issues("""
        processes:
          a:
            command: x
        x-stackctl:
          claims:
            tenant: ""
            user: [sub]
            groups: ~
            email: mail
        """) == [
            "compose/stack.yaml:6: x-stackctl.claims.tenant: must not be empty",
            "compose/stack.yaml:7: x-stackctl.claims.user: must be a string, got a list",
            "compose/stack.yaml:8: x-stackctl.claims.groups: must be a string, got null",
            "compose/stack.yaml:9: x-stackctl.claims.email: unknown key",
        ])
        #expect(issues("""
        processes:
          a:
            command: x
        x-stackctl:
          claims: tenant_id
        """) == [#"compose/stack.yaml:5: x-stackctl.claims: must be a mapping, got "tenant_id""#])
    }

    @Test func badURLVariablesAreNamed() {
        #expect(issues("""
        processes:
          a:
            command: x
          b:
            command: y
          c:
            command: z
        x-stackctl:
          ports:
            a: {env: A_PORT, default: 1, url_env: "A-URL"}
            b: {env: B_PORT, default: 2, url_env: [B_URL]}
            c:
              env: C_PORT
              default: 3
              url_env: C_PORT
              url: http://x
        """) == [
            #"compose/stack.yaml:10: x-stackctl.ports.a.url_env: must be an environment variable name, got "A-URL""#,
            "compose/stack.yaml:11: x-stackctl.ports.b.url_env: must be a string, got a list",
            #"compose/stack.yaml:15: x-stackctl.ports.c.url_env: must differ from env, got "C_PORT""#,
            "compose/stack.yaml:16: x-stackctl.ports.c.url: unknown key",
        ])
    }
}
