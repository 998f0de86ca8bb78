import Foundation
import Hummingbird
import StackHTTP

/// `/api/chat/…`: the chat page's sessions, conversation and questions, as the dev user.
enum ChatRoutes {
    static func add(to router: Router<BasicRequestContext>, chat: ChatDesk) {
        router.get("/api/chat/sessions") { _, _ in try JSONResponse.make(SessionList(sessions: try await chat.sessions())) }
        router.post("/api/chat/sessions") { request, _ in
            let body: NewSession = try await RequestBody.decode(request, example: #"{"title":"Usage questions"}"#)
            let title = body.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return try JSONResponse.make(try await chat.createSession(title: title.isEmpty ? "Dashboard chat" : title), status: .created)
        }
        router.get("/api/chat/sessions/:id/messages") { _, context in
            let id = context.parameters.get("id") ?? ""
            return try JSONResponse.make(MessageList(messages: try await chat.messages(id)))
        }
        router.post("/api/chat/sessions/:id/messages") { request, context in
            let id = context.parameters.get("id") ?? ""
            let body: Question = try await RequestBody.decode(request, example: #"{"content":"How many AI credits has my tenant used this month?"}"#)
            let content = body.content.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !content.isEmpty else { throw HTTPFailure.badRequest("content must not be empty") }
            return try JSONResponse.make(try await chat.ask(id, content))
        }
    }
}

private struct SessionList: Encodable { var sessions: [ChatSessionView] }
private struct MessageList: Encodable { var messages: [ChatMessageView] }
private struct NewSession: Decodable { var title: String? }
private struct Question: Decodable { var content: String }
