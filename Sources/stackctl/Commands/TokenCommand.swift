import ArgumentParser
import Foundation
import StackClients
import StackSupervisor

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a dev JWT from fake-tais (POST /_fake/tokens) and print it.",
        discussion: "Defaults come from x-stackctl.identity of the stack file. TAIS is the running stack's, or TAIS_URL.")

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "Tenant id (tenant_id claim).") var tenant: String?
    @Option(help: "User id (sub claim).") var user: String?
    @Option(help: "Groups, comma-separated (e.g. Administrators).") var groups: String?
    @Option(help: "Billing roles, comma-separated: Owner, Admin, Developer.") var roles: String?
    @Option(help: "Lifetime in seconds.") var ttl: Int?
    @Option(help: "The stack file, for the default identity.") var stack: String = "compose/stack.yaml"

    func run() async throws {
        let endpoints = await StackEndpoints.resolve(stateOptions.state)
        guard let tais = endpoints["TAIS_URL"] else {
            throw fail("no TAIS: start the stack (`stackctl up`) or set TAIS_URL", code: 2)
        }
        let identity = (try? StackFile.load(path: stack))?.stackctl.identity
        guard let tenant = tenant ?? identity?.tenant, let user = user ?? identity?.user else {
            throw fail("--tenant and --user are needed (the stack file has no x-stackctl.identity)", code: 2)
        }
        func list(_ text: String?) -> [String]? {
            text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        let request = TAISMintRequest(
            tenant: tenant, user: user, email: identity?.user == user ? identity?.email : nil,
            groups: list(groups) ?? identity?.groups, roles: list(roles) ?? identity?.roles,
            ttlSeconds: ttl ?? identity?.ttlSeconds)
        do {
            print(try await TAISClient(baseURL: tais).mintToken(request).token)
        } catch {
            throw fail("cannot mint a token at \(tais): \(error)", code: 1)
        }
    }
}
