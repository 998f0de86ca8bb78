/// Incremental parser of a `text/event-stream` body (the WHATWG Server-Sent Events format):
/// feed it chunks as they arrive, get back the events completed so far.
///
/// Lines end in LF, CRLF or CR (also when split across chunks); `data:` lines of one event are
/// joined with LF; lines starting with `:` are comments; a single space after the colon is dropped.
/// An event without any `data:` line is not dispatched, and an unterminated event at the end of
/// the stream is discarded, as the format specifies.
public struct ServerSentEventParser: Sendable {
    /// One dispatched event.
    public struct Event: Sendable, Equatable {
        /// The last `id:` seen on the stream so far (it carries over to later events).
        public var id: String?
        /// The `event:` type, nil for the default `message`.
        public var event: String?
        public var data: String

        public init(id: String?, event: String?, data: String) {
            self.id = id
            self.event = event
            self.data = data
        }
    }

    private var pending: [UInt8] = []
    private var dataLines: [String] = []
    private var hasData = false
    private var eventType: String?
    private var lastEventID: String?

    public init() {}

    /// Consumes `bytes` and returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        pending.append(contentsOf: bytes)
        return drain(atEnd: false)
    }

    /// Ends the stream: a final line without a terminator still counts as a line.
    public mutating func finish() -> [Event] {
        drain(atEnd: true)
    }

    private mutating func drain(atEnd: Bool) -> [Event] {
        var events: [Event] = []
        var start = 0
        var index = 0
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        while index < pending.count {
            let byte = pending[index]
            if byte == lf || byte == cr {
                if byte == cr, index + 1 == pending.count, !atEnd { break }  // CR LF may be split across chunks
                let line = String(decoding: pending[start..<index], as: UTF8.self)
                index += (byte == cr && index + 1 < pending.count && pending[index + 1] == lf) ? 2 : 1
                start = index
                if let event = process(line: line) { events.append(event) }
            } else {
                index += 1
            }
        }
        pending.removeFirst(start)
        if atEnd, !pending.isEmpty {
            let line = String(decoding: pending, as: UTF8.self)
            pending.removeAll()
            _ = process(line: line)
        }
        return events
    }

    /// Handles one line; returns an event when the line is the blank line that dispatches it.
    private mutating func process(line: String) -> Event? {
        if line.isEmpty {
            defer {
                dataLines.removeAll()
                hasData = false
                eventType = nil
            }
            guard hasData else { return nil }
            return Event(id: lastEventID, event: eventType, data: dataLines.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = ""
        }
        switch field {
        case "data":
            dataLines.append(String(value))
            hasData = true
        case "event":
            eventType = value.isEmpty ? nil : String(value)
        case "id":
            if !value.contains("\0") { lastEventID = String(value) }
        default:
            break  // `retry` and unknown fields do not change the events
        }
        return nil
    }
}
