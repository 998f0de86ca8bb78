import Foundation
import WireFormats

/// MeterQueryResult as JSON (`from`/`to`/`windowSize` echo the request) or as OpenMeter's CSV.
extension MeterQueryResult {
    func json() -> [UInt8] {
        var w = JSONWriter(capacity: 256 + rows.count * 160)
        w.raw("{")
        if let from = request.from { w.key("from"); w.string(from.raw); w.raw(",") }
        if let to = request.to { w.key("to"); w.string(to.raw); w.raw(",") }
        if let size = request.windowSize { w.key("windowSize"); w.string(size.rawValue); w.raw(",") }
        w.key("data")
        w.raw("[")
        // Rows share few window bounds: format each once.
        var times: [Int64: String] = [:]
        func time(_ seconds: Int64) -> String {
            if let known = times[seconds] { return known }
            let text = RFC3339.format(seconds: seconds)
            times[seconds] = text
            return text
        }
        for (i, row) in rows.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{")
            w.key("value"); w.number(row.value)
            w.raw(","); w.key("windowStart"); w.string(time(row.windowStart))
            w.raw(","); w.key("windowEnd"); w.string(time(row.windowEnd))
            w.raw(","); w.key("subject"); w.optionalString(row.subject)
            w.raw(","); w.key("groupBy"); w.raw("{")
            for (k, key) in groupKeys.enumerated() {
                if k > 0 { w.raw(",") }
                w.key(key)
                w.string(row.groupBy[k])
            }
            w.raw("}}")
        }
        w.raw("]}")
        return w.bytes
    }

    /// `window_start,window_end[,subject],<keys…>,value`; times in the window's zone, values as `%f`.
    func csv() -> String {
        var header = ["window_start", "window_end"]
        if bySubject { header.append("subject") }
        header.append(contentsOf: groupKeys)
        header.append("value")
        var out = header.map(Self.csvField).joined(separator: ",") + "\n"
        for row in rows {
            var fields = [Self.localTime(row.windowStart, request.timeZone), Self.localTime(row.windowEnd, request.timeZone)]
            if bySubject { fields.append(row.subject ?? "") }
            fields.append(contentsOf: row.groupBy)
            fields.append(String(format: "%f", row.value))
            out += fields.map(Self.csvField).joined(separator: ",") + "\n"
        }
        return out
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// RFC 3339 in the zone's offset at that instant (`2026-03-29T00:00:00+01:00`), `Z` for UTC.
    static func localTime(_ seconds: Int64, _ zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        guard offset != 0 else { return RFC3339.format(seconds: seconds) }
        let local = RFC3339.format(seconds: seconds + Int64(offset)).dropLast()
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return local + sign + String(format: "%02d:%02d", magnitude / 3600, magnitude % 3600 / 60)
    }
}
