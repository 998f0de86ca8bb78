import Foundation

/// ULIDs as OpenMeter uses for resource ids: 48-bit millisecond time + 80 random bits, Crockford base32.
enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func make(milliseconds: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000)) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - i))) }
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        // 128 bits → 26 characters, 5 bits each, the first character carrying 3 bits.
        var out = [UInt8]()
        out.reserveCapacity(26)
        var value = bytes.reduce(into: (hi: UInt64(0), lo: UInt64(0))) { acc, byte in
            acc.hi = acc.hi << 8 | acc.lo >> 56
            acc.lo = acc.lo << 8 | UInt64(byte)
        }
        var chars = [UInt8](repeating: 0, count: 26)
        for i in stride(from: 25, through: 0, by: -1) {
            chars[i] = alphabet[Int(value.lo & 0x1F)]
            value.lo = value.lo >> 5 | value.hi << 59
            value.hi >>= 5
        }
        out.append(contentsOf: chars)
        return String(decoding: out, as: UTF8.self)
    }

    /// `^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$`
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 26, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[0]) else { return false }
        let upper = Set(alphabet)
        return bytes.dropFirst().allSatisfy { upper.contains($0) || upper.contains($0 &- 32) && $0 >= UInt8(ascii: "a") }
    }
}
