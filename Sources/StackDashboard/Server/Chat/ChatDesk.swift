import Foundation
import StackClients
import StackHTTP
import StackSupervisor
import WireFormats

/// The chat page's side of TAIS, as the dev user: the stack's session plus sessions made from the dashboard
/// (TAIS has no "list my sessions"; their ids are kept in the state dir), questions, answers rendered, balance.
actor ChatDesk {
    private let supervisor: Supervisor
    private let sessionsFile: URL
    private var ownSessions: [String]

    init(supervisor: Supervisor) {
        self.supervisor = supervisor
        sessionsFile = supervisor.configuration.state.url.appendingPathComponent("dashboard-sessions.json")
        ownSessions = (try? JSONDecoder().decode([String].self, from: Data(contentsOf: sessionsFile))) ?? []
    }

    private struct Context {
        var client: TAISClient
        var tenant: String?
        var stackSession: String?
        var toolID: String?
    }

    private func context() async throws -> Context {
        let env = await supervisor.environment()
        guard let tais = env["TAIS_URL"], let token = env["TAIS_JWT"] else {
            throw HTTPFailure(.conflict, "the stack has no TAIS registration yet (no token): wait until it is up")
        }
        let registration = await supervisor.status().registration
        return Context(client: TAISClient(baseURL: tais, token: token, requester: DashboardHTTP.chat), tenant: registration?.tenant,
                       stackSession: env["TAIS_SESSION_ID"], toolID: env["TAIS_TOOL_ID"])
    }

    func sessions() async throws -> [ChatSessionView] {
        let context = try await context()
        var ids = context.stackSession.map { [$0] } ?? []
        ids += ownSessions.filter { $0 != context.stackSession }.reversed()
        var views: [ChatSessionView] = []
        var gone: Set<String> = []
        for id in ids {
            do {
                let session = try await context.client.session(id)
                views.append(ChatSessionView(id: session.id, title: session.title, createdAt: session.createdAt,
                                             isStackSession: session.id == context.stackSession))
            } catch StackClientError.unexpectedStatus(_, 404, _) {
                // Gone (a reset): forgotten.
                gone.insert(id)
            } catch {
                // TAIS busy or down: left out this time, kept.
            }
        }
        if !gone.isEmpty {
            ownSessions.removeAll { gone.contains($0) }
            try? JSONEncoder().encode(ownSessions).write(to: sessionsFile, options: .atomic)
        }
        return views
    }

    func createSession(title: String) async throws -> ChatSessionView {
        let context = try await context()
        let session = try await Self.taisCall { try await context.client.createSession(title: title, toolIds: context.toolID.map { [$0] }) }
        ownSessions.append(session.id)
        try? JSONEncoder().encode(ownSessions).write(to: sessionsFile, options: .atomic)
        supervisor.sink.note("created chat session \(session.id) \"\(title)\" (dashboard)")
        return ChatSessionView(id: session.id, title: session.title, createdAt: session.createdAt, isStackSession: false)
    }

    /// `rendered: false` leaves `html` empty: the chat page renders each message from its markdown itself.
    func messages(_ sessionID: String, rendered: Bool = true) async throws -> [ChatMessageView] {
        let context = try await context()
        return try await Self.taisCall { try await context.client.messages(sessionID) }.map { Self.view($0, rendered: rendered) }
    }

    /// Asks in `sessionID`. A dashboard session is first wired to the current tool (renewals make new tool ids;
    /// the keeper rewires only the stack's session). TAIS's refusal (402 credits exhausted, 404, …) is passed on.
    func ask(_ sessionID: String, _ content: String) async throws -> ChatAnswerView {
        let context = try await context()
        if sessionID != context.stackSession, let tool = context.toolID {
            let session = try await Self.taisCall { try await context.client.session(sessionID) }
            if session.toolIds != [tool] {
                _ = try await Self.taisCall { try await context.client.updateSession(sessionID, toolIds: [tool]) }
            }
        }
        let reply = try await context.client.sendMessageReply(sessionID, content)
        guard reply.status == 200 else {
            let body = try? JSONDecoder().decode(TAISErrorText.self, from: Data(reply.body))
            throw HTTPFailure(StatusPhrase.status(code: reply.status),
                              body?.message ?? body?.error ?? "TAIS answered HTTP \(reply.status)")
        }
        let message = try JSONDecoder().decode(TAISMessage.self, from: Data(reply.body))
        var balance: Double?
        if let tenant = context.tenant { balance = try? await context.client.billingSummary(org: tenant).balanceCredits }
        return ChatAnswerView(message: Self.view(message), balanceCredits: balance)
    }

    /// The dev tenant's balance; nil when there is no registration yet or TAIS does not answer.
    func balance() async -> Double? {
        guard let context = try? await context(), let tenant = context.tenant else { return nil }
        return try? await context.client.billingSummary(org: tenant).balanceCredits
    }

    static func view(_ message: TAISMessage, rendered: Bool = true) -> ChatMessageView {
        ChatMessageView(
            role: message.role, content: message.content,
            html: !rendered ? "" : message.role == "assistant" ? MarkdownHTML.render(message.content) : "<p>\(HTMLText.escape(message.content))</p>",
            toolCalls: message.toolCalls.map { call in
                var writer = JSONWriter(capacity: 128)
                writer.value(call.arguments)
                return ChatToolCallView(toolName: call.toolName, arguments: String(decoding: writer.bytes, as: UTF8.self),
                                        durationMs: call.durationMs, isError: call.isError)
            },
            creditsCharged: message.creditsCharged, createdAt: message.createdAt)
    }

    /// TAIS's own error status and message instead of a client exception.
    static func taisCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StackClientError {
            throw HTTPFailure(.badGateway, "\(error)")
        }
    }
}

private struct TAISErrorText: Decodable {
    var error: String?
    var message: String?
}
