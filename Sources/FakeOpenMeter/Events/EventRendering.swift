import Foundation
import WireFormats

/// IngestedEvent JSON, with the event's data echoed byte for byte as it was ingested.
enum EventRendering {
    static func write(_ stored: StoredEvent, validationError: String?, into w: inout JSONWriter) {
        let e = stored.event
        // Keys as literals: they need no escaping, and this runs for every listed event.
        w.raw("{\"event\":{\"specversion\":"); w.string(e.specversion)
        w.raw(",\"id\":"); w.string(e.id)
        w.raw(",\"source\":"); w.string(e.source)
        w.raw(",\"type\":"); w.string(e.type)
        w.raw(",\"subject\":"); w.string(e.subject)
        w.raw(",\"time\":"); w.string(RFC3339.format(seconds: e.time))
        if let schema = e.dataschema { w.raw(",\"dataschema\":"); w.string(schema) }
        if let data = e.data {
            w.raw(",\"datacontenttype\":"); w.string(e.datacontenttype ?? "application/json")
            w.raw(",\"data\":"); w.raw(data)
        }
        w.raw("}")
        if let validationError { w.raw(",\"validationError\":"); w.string(validationError) }
        w.raw(",\"ingestedAt\":"); w.string(format(millis: stored.ingestedAt))
        w.raw(",\"storedAt\":"); w.string(format(millis: stored.storedAt))
        w.raw("}")
    }

    static func format(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        return RFC3339.format(seconds: seconds, millis: Int(millis - seconds * 1000))
    }
}
