import Foundation

extension Supervisor {
    /// Registers the tool with TAIS once everything is healthy (exit 4 when it cannot be).
    func register() async throws(SupervisorFailure) {
        let plan = configuration.plan
        guard let settings = plan.file.stackctl.registration else { return }
        guard let taisURL = plan.variables["TAIS_URL"] else {
            throw SupervisorFailure("x-stackctl.registration needs TAIS_URL: give the TAIS process url_env: TAIS_URL in x-stackctl.ports", exitCode: 4)
        }
        guard let toolURL = plan.processes[settings.toolProcess]?.url else {
            throw SupervisorFailure("x-stackctl.registration.toolProcess \(settings.toolProcess) has no port in x-stackctl.ports", exitCode: 4)
        }
        let tokenSource: TokenSource
        if let token = configuration.providedToken, !token.isEmpty {
            tokenSource = .provided(token)
        } else if let identity = plan.file.stackctl.identity {
            tokenSource = .mint(identity)
        } else {
            throw SupervisorFailure("no identity: set TAIS_JWT or x-stackctl.identity in the stack file", exitCode: 4)
        }
        var registrationPlan = RegistrationPlan(
            taisURL: taisURL, toolURL: configuration.publicToolURL ?? (toolURL + settings.path), toolName: settings.toolName,
            toolDescription: "AI-credit usage of your tenant (OpenMeter), registered by stackctl",
            requestedSessionID: configuration.requestedSession, sessionTitle: "Credits questions",
            settings: settings, tokenSource: tokenSource, claims: plan.file.stackctl.claims,
            startingCredits: plan.file.stackctl.identity?.startingCredits ?? 0,
            stateDirectory: configuration.state.url)
        registrationPlan.taisHasFakeClock = plan.processes.values.contains { $0.url == taisURL && !$0.external }
        let sink = self.sink
        let keeper = RegistrationKeeper(plan: registrationPlan, log: { sink.note($0) }, changes: changes)
        registration = keeper
        do {
            _ = try await keeper.establish(deadline: .now + max(configuration.startupTimeout, .seconds(5)))
        } catch {
            throw SupervisorFailure("cannot register \(settings.toolName) with TAIS at \(taisURL): \(error)", exitCode: 4)
        }
    }
}
