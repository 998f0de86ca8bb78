import Foundation
import WireFormats

/// How the pages write values. dashboard.js formats the live values with the same rules (its `fmt` object), so
/// a cell reads the same before and after the first live update.
enum PageFormat {
    /// HTML-escaped text, for element content and quoted attribute values alike.
    static func e(_ text: String) -> String { HTMLText.escape(text) }

    static let missing = "—"

    /// `42s`, `5m 07s`, `3h 05m 07s`, `2d 03h 05m` (whole seconds, rounded down).
    static func duration(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(0, Int64(seconds.rounded(.down))) : 0
        let days = total / 86_400, hours = total % 86_400 / 3_600, minutes = total % 3_600 / 60, secs = total % 60
        if days > 0 { return "\(days)d \(pad(hours))h \(pad(minutes))m" }
        if hours > 0 { return "\(hours)h \(pad(minutes))m \(pad(secs))s" }
        if minutes > 0 { return "\(minutes)m \(pad(secs))s" }
        return "\(secs)s"
    }

    /// The registration's time left: a duration, `expired 12s ago`, or `—` when unknown.
    static func timeLeft(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return missing }
        return seconds >= 0 ? duration(seconds) : "expired \(duration(-seconds)) ago"
    }

    /// A fake clock's offset from real time: `+1h 00m 00s`, `-5m 00s`, or `none`.
    static func offset(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds.rounded(.towardZero) != 0 else { return "none" }
        return (seconds > 0 ? "+" : "-") + duration(abs(seconds))
    }

    static func bytes(_ bytes: Int64?) -> String {
        guard let bytes, bytes >= 0 else { return missing }
        let value = Double(bytes)
        if value >= 1_073_741_824 { return String(format: "%.2f GiB", value / 1_073_741_824) }
        if value >= 1_048_576 { return String(format: "%.1f MiB", value / 1_048_576) }
        return String(format: "%.0f KiB", value / 1_024)
    }

    static func cpu(_ percent: Double?) -> String {
        guard let percent, percent.isFinite else { return missing }
        return String(format: "%.1f%%", percent)
    }

    /// `39 ms`, or `1.25 s` from a second on.
    static func milliseconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return missing }
        return value >= 1_000 ? String(format: "%.2f s", value / 1_000) : String(format: "%.0f ms", value)
    }

    /// Credits as plain digits (`1050`, `0.5`): no thousands separator, at most 4 decimals (as fake-tais's billing page).
    static func credits(_ value: Double?) -> String {
        guard let value, value.isFinite else { return missing }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// An RFC 3339 time shortened for a cell: `2026-12-01 03:10:30Z` (the raw value stays in `datetime`).
    static func time(_ rfc3339: String?) -> String {
        guard let rfc3339, !rfc3339.isEmpty else { return missing }
        var shown = rfc3339.replacingOccurrences(of: "T", with: " ")
        if let dot = shown.firstIndex(of: "."), let zone = shown[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
            shown.removeSubrange(dot..<zone)  // fractions of a second
        }
        return shown
    }

    static func timeElement(_ rfc3339: String?) -> String {
        guard let rfc3339, !rfc3339.isEmpty else { return missing }
        return "<time datetime=\"\(e(rfc3339))\">\(e(time(rfc3339)))</time>"
    }

    /// The `href` for a URL a page links to (a process URL, the billing link): only http(s).
    static func webHref(_ url: String?) -> String? {
        guard let url, let href = MarkdownHTML.safeHref(url) else { return nil }
        let lower = href.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") ? href : nil
    }

    /// JSON for a `<script type="application/json">` block: `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`
    /// (valid inside JSON strings, and no `</script>` or `<!--` can end the block early).
    static func scriptJSON<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value), let json = String(data: data, encoding: .utf8) else { return "null" }
        var out = ""
        out.reserveCapacity(json.utf8.count)
        for scalar in json.unicodeScalars {
            switch scalar {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
