import WireFormats

/// An event as OpenMeter lists it (`GET /api/v2/events`, the `event` of each item).
public struct StoredEvent: Sendable, Equatable {
    public var id: String
    public var source: String
    public var type: String
    public var subject: String
    /// RFC 3339, as listed.
    public var time: String
    public var data: JSONValue

    init?(item: JSONValue) {
        guard let event = item["event"], let id = event["id"]?.stringValue else { return nil }
        self.id = id
        source = event["source"]?.stringValue ?? ""
        type = event["type"]?.stringValue ?? ""
        subject = event["subject"]?.stringValue ?? ""
        time = event["time"]?.stringValue ?? ""
        data = event["data"] ?? .null
    }
}
