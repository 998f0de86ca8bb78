import WireFormats

/// An event in Stripe's shape. `data.object` is the stored snapshot, written back verbatim.
enum EventJSON {
    /// The API version events carry (the one the official SDKs of this stack pin, stripe-python 16.1.0).
    static let apiVersion = "2026-10-28.endive"

    static func render(_ e: EventRecord) -> JSONValue {
        let object = (try? JSONParser.parse(Array(e.object.utf8))) ?? .object([])
        return .object([
            ("id", .string(e.id)),
            ("object", .string("event")),
            ("api_version", .string(apiVersion)),
            ("created", .int(e.created)),
            ("data", .members(["object": object])),
            ("livemode", .bool(false)),
            ("pending_webhooks", .int(e.pendingWebhooks)),
            ("request", .members(["id": .text(e.requestId), "idempotency_key": .text(e.idempotencyKey)])),
            ("type", .string(e.type)),
        ])
    }
}

/// Stripe's list object: `{"object":"list","data":[…],"has_more":…,"url":"/v1/…"}`.
enum ListJSON {
    static func render(url: String, data: [JSONValue], hasMore: Bool) -> JSONValue {
        .object([("object", .string("list")), ("data", .array(data)), ("has_more", .bool(hasMore)), ("url", .string(url))])
    }
}
