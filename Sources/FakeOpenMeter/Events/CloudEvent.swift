/// A CloudEvent as ingested: envelope fields as sent, `time` truncated to the second,
/// `data` kept as the exact JSON text of the object (or nil).
public struct CloudEvent: Sendable, Equatable {
    public var id: String
    public var source: String
    public var specversion: String
    public var type: String
    public var subject: String
    /// Unix seconds; OpenMeter keeps event time to the second.
    public var time: Int64
    public var datacontenttype: String?
    public var dataschema: String?
    public var data: String?

    public init(
        id: String, source: String, specversion: String = "1.0", type: String, subject: String, time: Int64,
        datacontenttype: String? = nil, dataschema: String? = nil, data: String?
    ) {
        self.id = id
        self.source = source
        self.specversion = specversion
        self.type = type
        self.subject = subject
        self.time = time
        self.datacontenttype = datacontenttype
        self.dataschema = dataschema
        self.data = data
    }
}

/// A stored event with the server's bookkeeping, as the list endpoints return it.
public struct StoredEvent: Sendable {
    public var seq: Int64
    public var event: CloudEvent
    /// Unix milliseconds.
    public var ingestedAt: Int64
    public var storedAt: Int64
}
