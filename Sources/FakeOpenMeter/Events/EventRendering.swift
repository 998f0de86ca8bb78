import Foundation
import WireFormats

/// IngestedEvent JSON, with the event's data echoed byte for byte as it was ingested.
enum EventRendering {
    static func write(_ stored: StoredEvent, validationError: String?, into w: inout JSONWriter) {
        let e = stored.event
        w.raw("{\"event\":{")
        w.key("specversion"); w.string(e.specversion)
        w.raw(","); w.key("id"); w.string(e.id)
        w.raw(","); w.key("source"); w.string(e.source)
        w.raw(","); w.key("type"); w.string(e.type)
        w.raw(","); w.key("subject"); w.string(e.subject)
        w.raw(","); w.key("time"); w.string(RFC3339.format(seconds: e.time))
        if let schema = e.dataschema { w.raw(","); w.key("dataschema"); w.string(schema) }
        if let data = e.data {
            w.raw(","); w.key("datacontenttype"); w.string(e.datacontenttype ?? "application/json")
            w.raw(","); w.key("data"); w.raw(data)
        }
        w.raw("}")
        if let validationError { w.raw(","); w.key("validationError"); w.string(validationError) }
        w.raw(","); w.key("ingestedAt"); w.string(format(millis: stored.ingestedAt))
        w.raw(","); w.key("storedAt"); w.string(format(millis: stored.storedAt))
        w.raw("}")
    }

    static func format(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        return RFC3339.format(seconds: seconds, millis: Int(millis - seconds * 1000))
    }
}
