/// Where `/login` may send the browser: a path of this site only, so a login link cannot be
/// turned into an open redirect.
enum SafeRedirect {
    static let fallback = "/settings/billing"

    /// `next` when it is a relative path starting with a single `/` (not `//host` nor `/\host`, which
    /// browsers read as another host) of printable ASCII without backslashes; otherwise the billing page.
    static func target(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"),
              next.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\\") })
        else { return fallback }
        return next
    }
}
