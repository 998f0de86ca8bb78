import StackClients
import WireFormats

extension ScenarioExpectation {
    /// The first expectation the reply misses, worded "expected … got …"; nil when all hold.
    /// Status first: a wrong status explains every other miss.
    func failure(of reply: HTTPReply, variables: [String: JSONValue]) throws(ScenarioEvaluationError) -> String? {
        if let status = Self.statusFailure(reply, statuses: statuses) { return status }
        if !json.isEmpty {
            guard let body = reply.scenarioJSON() else {
                return "expected a JSON body (for \(json[0].path)), got \(Self.shownBody(reply))"
            }
            for item in json {
                let actual = item.path.lookup(body)
                if let miss = try item.check.mismatch(actual, subject: item.path.description, variables: variables) {
                    // A missing path is easier to fix with the body in view.
                    return actual == nil ? "\(miss) (the body: \(ScenarioRendering.json(body)))" : miss.description
                }
            }
        }
        if let body, var miss = try body.mismatch(.string(reply.text), subject: "body", variables: variables) {
            // The text as it came reads better than a JSON-quoted copy of it.
            if miss.subject == "body" { miss.got = Self.shownBody(reply) }
            return miss.description
        }
        for item in headers {
            let actual = reply.header(item.name).map { JSONValue.string($0) }
            if let miss = try item.check.mismatch(actual, subject: "header \(item.name)", variables: variables) {
                return miss.description
            }
        }
        return nil
    }

    /// Without `expect:` a step needs a 2xx.
    static func statusFailure(_ reply: HTTPReply, statuses: [Int]?) -> String? {
        if let statuses {
            guard !statuses.contains(reply.status) else { return nil }
            let wanted = statuses.count == 1 ? "status \(statuses[0])" : "status one of \(statuses.map(String.init).joined(separator: ", "))"
            return "expected \(wanted), got \(reply.status): \(shownBody(reply))"
        }
        guard !(200..<300).contains(reply.status) else { return nil }
        return "expected a 2xx status, got \(reply.status): \(shownBody(reply))"
    }

    static func shownBody(_ reply: HTTPReply) -> String {
        reply.body.isEmpty ? "(empty body)" : ScenarioRendering.truncate(reply.text)
    }
}
