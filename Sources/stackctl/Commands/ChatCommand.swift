import ArgumentParser
import Foundation
import StackClients
import StackSupervisor

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Send one message through the TAIS chat agent and print its answer.",
        discussion: "Uses the running stack's token and session (or TAIS_URL, TAIS_JWT, TAIS_SESSION_ID).")

    @OptionGroup var stateOptions: StateOptions

    @Argument(help: "The question, e.g. \"How many AI credits has my tenant used this month?\"")
    var question: String

    @Option(help: "The chat session (default: the stack's).")
    var session: String?

    func run() async throws {
        let endpoints = await StackEndpoints.resolve(stateOptions.state)
        guard let tais = endpoints["TAIS_URL"], let token = endpoints["TAIS_JWT"] else {
            throw fail("no stack running on \(stateOptions.state.url.path) and TAIS_URL/TAIS_JWT not set", code: 2)
        }
        guard let session = session ?? endpoints["TAIS_SESSION_ID"] else {
            throw fail("no session: pass --session or set TAIS_SESSION_ID", code: 2)
        }
        let client = TAISClient(baseURL: tais, token: token)
        let reply: HTTPReply
        do { reply = try await client.sendMessageReply(session, question) } catch {
            throw fail("TAIS at \(tais) does not answer: \(error)", code: 1)
        }
        guard reply.status == 200 else { throw fail("TAIS answered HTTP \(reply.status): \(reply.text)", code: 1) }
        let message = try JSONDecoder().decode(TAISMessage.self, from: Data(reply.body))
        print(message.content)
        if !message.toolCalls.isEmpty {
            print("")
            for call in message.toolCalls {
                let duration = call.durationMs.map { String(format: " in %.0f ms", $0) } ?? ""
                print("tool call: \(call.toolName)\(duration)\(call.isError ? " (error)" : "")")
            }
        }
        if let charged = message.creditsCharged { print("credits charged: \(charged.formatted())") }
        if message.toolCalls.contains(where: \.isError) {
            throw fail("the agent answered, but its tool call failed (see the answer above)", code: 1)
        }
    }
}
