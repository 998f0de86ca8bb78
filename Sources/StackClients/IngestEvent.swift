import WireFormats

/// A CloudEvent to send to OpenMeter's `POST /api/v1/events` (specversion 1.0, JSON data).
public struct IngestEvent: Sendable, Equatable {
    public var id: String
    public var source: String
    public var type: String
    /// The OpenMeter subject; for credit events, the tenant id.
    public var subject: String
    /// Unix seconds, sent as RFC 3339 UTC.
    public var time: Int64
    public var data: JSONValue

    public init(id: String, source: String, type: String, subject: String, time: Int64, data: JSONValue) {
        self.id = id
        self.source = source
        self.type = type
        self.subject = subject
        self.time = time
        self.data = data
    }

    /// The contract's credit event: `type: "ai_credits"`, `subject: <tenant>`,
    /// `data: {"credits", "user", "module", "product", "tenant", "skill"}` (data's tenant defaults to the subject).
    public static func credit(
        id: String, subject: String, time: Int64, credits: Double,
        user: String, module: String, product: String, skill: String,
        tenant: String? = nil, type: String = "ai_credits", source: String = "stack-clients"
    ) -> IngestEvent {
        IngestEvent(
            id: id, source: source, type: type, subject: subject, time: time,
            data: .object([
                ("credits", .number(credits)),
                ("user", .string(user)),
                ("module", .string(module)),
                ("product", .string(product)),
                ("tenant", .string(tenant ?? subject)),
                ("skill", .string(skill)),
            ])
        )
    }

    /// The event as CloudEvents JSON.
    public func write(into w: inout JSONWriter) {
        w.raw("{\"specversion\":\"1.0\",")
        w.key("id"); w.string(id)
        w.raw(","); w.key("source"); w.string(source)
        w.raw(","); w.key("type"); w.string(type)
        w.raw(","); w.key("subject"); w.string(subject)
        w.raw(","); w.key("time"); w.string(RFC3339.format(seconds: time))
        w.raw(","); w.key("datacontenttype"); w.string("application/json")
        w.raw(","); w.key("data"); w.value(data)
        w.raw("}")
    }

    /// A JSON array of `events`, the body of an `application/cloudevents-batch+json` request.
    public static func batchBody(_ events: [IngestEvent]) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + events.count * 300)
        w.raw("[")
        for (index, event) in events.enumerated() {
            if index > 0 { w.raw(",") }
            event.write(into: &w)
        }
        w.raw("]")
        return w.bytes
    }
}
