import Foundation
import StackHTTP
import StackSupervisor

/// Server-sent event frames. JSON never holds a raw newline, so each event is one `data:` line.
enum EventFrames {
    static func event<T: Encodable>(_ name: String, _ value: T) -> String {
        let data = (try? JSONResponse.encoder.encode(value)) ?? Data("null".utf8)
        return "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }

    static func log(_ line: LogLine) -> String { event("log", line) }

    static let ping = ": ping\n\n"
}
