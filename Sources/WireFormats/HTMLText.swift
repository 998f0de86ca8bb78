/// Text for server-rendered HTML (fake-stripe's pay page, fake-tais's billing page).
public enum HTMLText {
    /// Escapes text for element content and quoted attribute values alike.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        append(text.unicodeScalars, escapedTo: &out)
        return out
    }

    /// Appends escaped text to `out` (a renderer building a page a character at a time). Escapes by Unicode
    /// scalar, not by `Character`: a quote followed by a combining mark is one `Character` but still a quote.
    public static func append(_ scalars: some Sequence<Unicode.Scalar>, escapedTo out: inout String) {
        for scalar in scalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
