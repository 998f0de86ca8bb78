/// RFC 3339 timestamps as whole and fractional Unix time, parsed and printed without
/// Foundation's formatters (they are slow on hot paths and not needed for this fixed grammar).
public enum RFC3339 {
    /// Parses `2026-01-15T10:00:00Z`, with optional fraction and `±HH:MM` offset (`t`/`z` accepted).
    /// Returns seconds since 1970 and the fractional nanoseconds.
    public static func parse(_ text: String) -> (seconds: Int64, nanos: Int32)? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for i in start..<(start + count) {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard let year = num(0, 4), b[4] == 45, let month = num(5, 2), b[7] == 45, let day = num(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32,
              let hour = num(11, 2), b[13] == 58, let minute = num(14, 2), b[16] == 58, let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var nanos: Int32 = 0
        if b[i] == 46 {
            i += 1
            var digits = 0
            var value: Int64 = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 9 { value = value * 10 + Int64(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { value *= 10 }
            nanos = Int32(value)
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard i + 6 == b.count, b[i + 3] == 58, let oh = num(i + 1, 2), let om = num(i + 4, 2), oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offset)
        return (seconds, nanos)
    }

    /// `2026-01-15T10:00:00Z` (whole seconds) or with `.SSSZ` when `millis` is given.
    public static func format(seconds: Int64, millis: Int? = nil) -> String {
        let days = Int(floorDiv(seconds, 86400))
        let rem = Int(seconds - Int64(days) * 86400)
        let (y, m, d) = civilFromDays(days)
        guard (0...9999).contains(y) else {
            var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
            out += pad(rem / 3600, 2) + ":" + pad(rem % 3600 / 60, 2) + ":" + pad(rem % 60, 2)
            if let millis { out += "." + pad(millis, 3) }
            return out + "Z"
        }
        // Digits written straight into the string's storage: listings format three instants per event.
        let count = millis == nil ? 20 : 24
        return String(unsafeUninitializedCapacity: count) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for i in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[i] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(y, 4, at: 0); buffer[4] = UInt8(ascii: "-")
            put(m, 2, at: 5); buffer[7] = UInt8(ascii: "-")
            put(d, 2, at: 8); buffer[10] = UInt8(ascii: "T")
            put(rem / 3600, 2, at: 11); buffer[13] = UInt8(ascii: ":")
            put(rem % 3600 / 60, 2, at: 14); buffer[16] = UInt8(ascii: ":")
            put(rem % 60, 2, at: 17)
            if let millis {
                buffer[19] = UInt8(ascii: ".")
                put(min(max(millis, 0), 999), 3, at: 20)
            }
            buffer[count - 1] = UInt8(ascii: "Z")
            return count
        }
    }

    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
