import Foundation

/// An `application/x-www-form-urlencoded` body, as a browser posts the buy form.
enum FormBody {
    /// Field values by name; the first occurrence of a name wins.
    static func parse(_ bytes: some Sequence<UInt8>) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: Array(bytes), as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    /// `+` is a space in form encoding; a malformed escape is kept as typed.
    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
