/// Glob matching for request paths: `*` stays within a segment, `**` spans segments.
enum PathPattern {
    /// Dynamic programming over (pattern position, path position): O(pattern × path) whatever the
    /// number of stars, since it runs under the fault book's lock on every request.
    static func matches(pattern: String, path: String) -> Bool {
        let pattern = Array(pattern.utf8), text = Array(path.utf8)
        let star = UInt8(ascii: "*"), slash = UInt8(ascii: "/")
        let width = text.count + 1
        // matched[i * width + j]: pattern[i...] matches text[j...].
        var matched = [Bool](repeating: false, count: (pattern.count + 1) * width)
        matched[pattern.count * width + text.count] = true
        var i = pattern.count - 1
        while i >= 0 {
            if pattern[i] == star {
                let doubleStar = i + 1 < pattern.count && pattern[i + 1] == star
                let rest = i + (doubleStar ? 2 : 1)
                var j = text.count
                while j >= 0 {
                    var value = matched[rest * width + j]
                    if !value, j < text.count, doubleStar || text[j] != slash {
                        value = matched[i * width + j + 1]
                    }
                    matched[i * width + j] = value
                    j -= 1
                }
            } else {
                for j in 0..<text.count where text[j] == pattern[i] {
                    matched[i * width + j] = matched[(i + 1) * width + j + 1]
                }
            }
            i -= 1
        }
        return matched[0]
    }
}
