import Foundation
import StackClients
import Testing
import WireFormats

/// The total answer of `get_credit_usage_by_tenant` as the chat shows it:
/// `**AI credits used by the tenant** for tenant T, FROM to TO: **N credits**` (no `: **N credits**` without data).
struct StackctlUsageAnswer: Sendable {
    let tenant: String
    let from: String
    let to: String
    /// `N` as printed (two decimals), nil when the answer states no total.
    let totalText: String?

    init?(_ text: String) {
        guard let line = text.split(separator: "\n").first(where: { $0.contains("** for tenant ") }),
              let marker = line.range(of: "** for tenant ") else { return nil }
        let rest = line[marker.upperBound...]
        guard let comma = rest.range(of: ", ") else { return nil }
        tenant = String(rest[..<comma.lowerBound])
        let period = rest[comma.upperBound...]
        guard let to = period.range(of: " to ") else { return nil }
        from = String(period[..<to.lowerBound])
        let tail = period[to.upperBound...]
        if let colon = tail.range(of: ": **") {
            self.to = String(tail[..<colon.lowerBound])
            let number = tail[colon.upperBound...]
            totalText = number.range(of: " credits**").map { String(number[..<$0.lowerBound]) }
        } else {
            self.to = tail.trimmingCharacters(in: .whitespaces)
            totalText = nil
        }
    }

    var total: Double? { totalText.flatMap(Double.init) }
}

/// Reads a stack's fake-openmeter as the contract's OpenMeter API: the meter query and the event list.
struct StackctlOpenMeter: Sendable {
    let baseURL: String
    let apiKey: String
    let http = HTTPRequester(timeout: .seconds(30))

    /// `GET /api/v1/meters/ai_credits/query?subject=&from=&to=`: the sum of every row's value.
    func total(subject: String, from: String, to: String) async throws -> Double {
        var components = URLComponents(string: baseURL + "/api/v1/meters/ai_credits/query")!
        components.queryItems = [
            URLQueryItem(name: "subject", value: subject), URLQueryItem(name: "from", value: from), URLQueryItem(name: "to", value: to),
        ]
        // `+` would be a space in a query; RFC 3339 with Z has none, but be safe.
        let url = components.url!.absoluteString.replacingOccurrences(of: "+", with: "%2B")
        let reply = try await http.get(url, headers: [("Authorization", "Bearer \(apiKey)")])
        guard reply.status == 200 else { throw StackTestError("meter query answered \(reply.status): \(reply.text)") }
        struct Answer: Decodable {
            struct Row: Decodable { let value: Double? }
            let data: [Row]
        }
        return try JSONDecoder().decode(Answer.self, from: Data(reply.body)).data.compactMap(\.value).reduce(0, +)
    }

    /// Every `ai_credits` event from `source`, with its credits and time.
    func events(source: String) async throws -> [StoredEvent] {
        let control = FakeOpenMeterControl(baseURL: baseURL, apiKey: apiKey, requester: http)
        return try await control.listEvents(filter: .object([("source", .object([("$eq", .string(source))]))]))
    }
}

enum StackctlTime {
    /// RFC 3339 with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

extension StoredEvent {
    var credits: Double {
        if case .number(let value)? = data["credits"] { return value }
        return 0
    }
}
