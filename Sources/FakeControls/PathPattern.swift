/// Glob matching for request paths: `*` stays within a segment, `**` spans segments.
enum PathPattern {
    static func matches(pattern: String, path: String) -> Bool {
        matches(Array(pattern.utf8)[...], Array(path.utf8)[...])
    }

    private static func matches(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        let star = UInt8(ascii: "*"), slash = UInt8(ascii: "/")
        guard let first = pattern.first else { return text.isEmpty }
        if first == star {
            let doubleStar = pattern.dropFirst().first == star
            let rest = pattern.dropFirst(doubleStar ? 2 : 1)
            var index = text.startIndex
            while true {
                if matches(rest, text[index...]) { return true }
                guard index < text.endIndex, doubleStar || text[index] != slash else { return false }
                index += 1
            }
        }
        guard let head = text.first, head == first else { return false }
        return matches(pattern.dropFirst(), text.dropFirst())
    }
}
