import BlockingWork
import Foundation
import HTTPTypes
import Logging
import StackHTTP
import StackStorage
import FakeControls
import WireFormats

/// Answers one chat message: checks and holds the charge, lets the agent pick the tool and range,
/// calls the session's MCP tool as the caller, then stores the answer, settles the charge and
/// queues the credit event in one transaction. Every failure of the tool is an answer; only a
/// failure to store one undoes the hold.
struct ChatService: Sendable {
    let store: TAISStore
    let clock: FakeClock
    let caller: ToolCaller
    let creditsPerMessage: Double
    let outbox: WakeSignal
    let logger: Logger

    struct Reply: Encodable, Sendable {
        var id: String
        var role = "assistant"
        var content: String
        var toolCalls: [ToolCallRecord]
        var creditsCharged: Double
        var createdAt: Date
    }

    enum Result: Sendable {
        case answered(String)  // the response body (JSON)
        case replayed(String)
    }

    func answer(sessionID: String, content: String, idempotencyKey: String?, identity: TAISIdentity) async throws -> Result {
        let store = self.store, cost = creditsPerMessage, now = clock.now()
        let start = try await offCooperativePool {
            try store.beginChat(sessionID: sessionID, tenant: identity.tenant, content: content, cost: cost, idempotencyKey: idempotencyKey, now: now)
        }
        let hold: TAISStore.ChatHold
        switch start {
        case .replay(let body):
            return .replayed(body)
        case .inProgress:
            throw HTTPFailure(.conflict, "a request with this Idempotency-Key is still in progress; retry once it has been answered", code: "idempotency_conflict")
        case .exhausted(let reason):
            throw HTTPFailure(HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), reason, code: "credits_exhausted")
        case .started(let started):
            hold = started
        }
        do {
            let (text, calls) = await respond(to: content, sessionID: sessionID, identity: identity)
            let answeredAt = clock.now()
            let reply = Reply(id: TAISID.make("msg"), content: text, toolCalls: calls, creditsCharged: cost, createdAt: answeredAt)
            let body = String(decoding: try JSONResponse.encoder.encode(reply), as: UTF8.self)
            let message = ChatMessage(id: reply.id, role: "assistant", content: text, toolCalls: calls, creditsCharged: cost, createdAt: answeredAt)
            // The answer's id, which the client sees: OpenMeter drops a resend of the same answer by it.
            let eventID = "chat-\(reply.id)"
            let event = Self.creditEvent(id: eventID, identity: identity, credits: cost, skill: calls.first?.toolName ?? "none", time: answeredAt)
            try await offCooperativePool { try store.finishChat(hold, answer: message, eventID: eventID, eventBody: event, response: body) }
            outbox.wake()
            logger.info("chat answered", metadata: [
                "tenant": "\(identity.tenant)", "user": "\(identity.user)", "session": "\(sessionID)",
                "tool": "\(calls.first?.toolName ?? "none")", "error": "\(calls.first?.isError ?? false)", "credits": "\(cost)",
            ])
            return .answered(body)
        } catch {
            try? await offCooperativePool { try store.abortChat(hold) }
            throw error
        }
    }

    /// The agent's text and its tool calls for one question.
    func respond(to question: String, sessionID: String, identity: TAISIdentity) async -> (String, [ToolCallRecord]) {
        let now = clock.now()
        let plan: AgentPlan
        switch AgentPlanner.decide(question, now: now) {
        case .cannotAnswer(let help):
            return (help, [])
        case .plan(let decided):
            plan = decided
        }
        let store = self.store
        let choice: ToolChoice
        do {
            choice = try await offCooperativePool { try Self.chooseTool(store: store, sessionID: sessionID, tenant: identity.tenant, target: plan.targetToolName, now: now) }
        } catch {
            logger.error("cannot read the session's tools", metadata: ["error": "\(error)"])
            return ("I could not read this session's tools; please try again.", [])
        }
        let tool: ToolRegistration
        switch choice {
        case .none:
            return ("No tool is attached to this session. Register credits-mcp with the tools service and add its id to the session's toolIds.", [])
        case .unknownName(let name):
            return ("No tool named \(name) is attached to this session.", [])
        case .expired(let registration):
            return ("The tool \(registration.name) is no longer available: its registration expired at \(RFC3339.format(seconds: Int64(registration.expiresAt.timeIntervalSince1970))). Register it again and attach the new registration to this session.", [])
        case .deleted(let registration):
            return ("The tool \(registration.name) is no longer available: its registration was deleted. Register it again and attach the new registration to this session.", [])
        case .live(let registration):
            tool = registration
        }
        let started = ContinuousClock.now
        let outcome = await caller.call(url: tool.url, tool: plan.tool, arguments: plan.arguments, identity: identity)
        let duration = (ContinuousClock.now - started).milliseconds
        switch outcome {
        case .answered(let text, let isError):
            let record = ToolCallRecord(toolId: tool.id, toolName: plan.tool, arguments: plan.arguments, isError: isError, durationMs: (duration * 10).rounded() / 10)
            return (text, [record])
        case .failed(let reason):
            let record = ToolCallRecord(toolId: tool.id, toolName: plan.tool, arguments: plan.arguments, isError: true, durationMs: (duration * 10).rounded() / 10)
            return ("The tool \(tool.name) \(reason), so I cannot answer right now. Please try again later.", [record])
        }
    }

    enum ToolChoice: Sendable {
        case none
        case unknownName(String)
        case live(ToolRegistration)
        case expired(ToolRegistration)
        case deleted(ToolRegistration)
    }

    /// `@name` picks the session's registration of that name; otherwise the first live one in
    /// `toolIds` order, or the first one when none is live (so the answer can say it expired).
    static func chooseTool(store: TAISStore, sessionID: String, tenant: String, target: String?, now: Date) throws -> ToolChoice {
        guard let session = try store.session(id: sessionID, tenant: tenant), !session.toolIds.isEmpty else { return .none }
        var records: [(tool: ToolRegistration, deleted: Bool)] = []
        for id in session.toolIds {
            if let record = try store.toolRecord(id: id, tenant: tenant) { records.append(record) }
        }
        if let target {
            let named = records.filter { $0.tool.name.lowercased() == target.lowercased() }
            guard !named.isEmpty else { return .unknownName(target) }
            records = named
        }
        if let live = records.first(where: { !$0.deleted && $0.tool.expiresAt > now }) { return .live(live.tool) }
        guard let first = records.first else { return .none }
        return first.deleted ? .deleted(first.tool) : .expired(first.tool)
    }

    /// The contract's credit event for one answered message.
    static func creditEvent(id: String, identity: TAISIdentity, credits: Double, skill: String, time: Date) -> String {
        var w = JSONWriter(capacity: 320)
        w.raw("{\"specversion\":\"1.0\",")
        w.key("id"); w.string(id)
        w.raw(",\"source\":\"fake-tais\",\"type\":\"ai_credits\",")
        w.key("subject"); w.string(identity.tenant)
        w.raw(","); w.key("time"); w.string(RFC3339.format(seconds: Int64(time.timeIntervalSince1970.rounded(.down))))
        w.raw(",\"data\":{")
        w.key("credits"); w.number(credits)
        w.raw(","); w.key("user"); w.string(identity.user)
        w.raw(",\"module\":\"chat\",\"product\":\"tais\",")
        w.key("tenant"); w.string(identity.tenant)
        w.raw(","); w.key("skill"); w.string(skill)
        w.raw("}}")
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
