import WireFormats

/// fake-openmeter's journal of API requests (`GET /_fake/requests`): every request outside
/// `/_fake/` and `/health` since the last clear, oldest first.
public struct RequestJournalSnapshot: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var method: String
        public var path: String
        /// The raw query string, without `?`.
        public var query: String
        public var status: Int
        /// As the fake wrote it (ISO 8601).
        public var time: String?
    }

    /// Every request recorded since the last clear, whatever the path filter; it exceeds
    /// `entries.count` when a filter was given or the journal's capacity was reached.
    public var total: Int
    /// The recorded requests (only those matching the path filter, when one was given).
    public var entries: [Entry]

    init(_ value: JSONValue) throws(StackClientError) {
        guard case .number(let total)? = value["total"], case .array(let items)? = value["requests"] else {
            throw .invalidResponse(operation: "GET /_fake/requests", reason: "expected {\"total\":…,\"requests\":[…]}")
        }
        self.total = Int(total)
        entries = items.map { item in
            let status: Int
            if case .number(let n)? = item["status"] { status = Int(n) } else { status = 0 }
            return Entry(
                method: item["method"]?.stringValue ?? "", path: item["path"]?.stringValue ?? "",
                query: item["query"]?.stringValue ?? "", status: status, time: item["time"]?.stringValue
            )
        }
    }
}
