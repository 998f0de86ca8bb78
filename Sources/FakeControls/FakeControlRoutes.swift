import Hummingbird
import Foundation
public import StackHTTP

/// The fault and journal control routes every fake serves under `/_fake/`:
/// `GET|POST|DELETE /_fake/faults`, `DELETE /_fake/faults/{id}`, `GET|DELETE /_fake/requests`.
extension RouteTable {
    public mutating func addFakeControlRoutes(faults: FaultBook, journal: RequestJournal) {
        get("/_fake/faults") { _, _ in
            try JSONResponse.make(["faults": faults.rules])
        }
        post("/_fake/faults") { request, _ in
            let body = try await request.collectBody(limit: 64 * 1024)
            let fault: FaultRequest
            do {
                fault = try JSONDecoder().decode(FaultRequest.self, from: Data(buffer: body))
            } catch {
                throw HTTPFailure.badRequest("fault body must be JSON like {\"path\":\"/api/v1/events\",\"status\":503,\"latencyMs\":0,\"probability\":1,\"count\":1}")
            }
            switch faults.add(fault) {
            case .success(let rule): return try JSONResponse.make(rule, status: .created)
            case .failure(let error): throw HTTPFailure.badRequest(error.message)
            }
        }
        delete("/_fake/faults") { _, _ in
            faults.removeAll()
            return JSONResponse.empty()
        }
        delete("/_fake/faults/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard faults.remove(id: id) else { throw HTTPFailure.notFound("no fault \(id)") }
            return JSONResponse.empty()
        }
        get("/_fake/requests") { request, _ in
            let snapshot = journal.snapshot()
            let pathFilter = request.uri.queryParameters.get("path")
            let entries = pathFilter.map { p in snapshot.entries.filter { PathPattern.matches(pattern: p, path: $0.path) } } ?? snapshot.entries
            return try JSONResponse.make(JournalPage(total: snapshot.total, requests: entries))
        }
        delete("/_fake/requests") { _, _ in
            journal.reset()
            return JSONResponse.empty()
        }
    }
}

struct JournalPage: Encodable {
    var total: Int
    var requests: [RequestJournal.Entry]
}
