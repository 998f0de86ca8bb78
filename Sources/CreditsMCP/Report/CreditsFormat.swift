import WireFormats

/// Text formatting of credits and times for markdown output, identical everywhere.
public enum CreditsFormat {
    /// Credits with exactly two decimals, `.` separator, no grouping: `1234.50`, `0.00`, `-3.10`.
    ///
    /// Rounds half away from zero on the *decimal* value the Double stands for (its shortest
    /// round-trip representation), so `0.125` gives `0.13` and `1.005` gives `1.01` rather than
    /// suffering from binary artefacts. A value that rounds to zero is `0.00` (never `-0.00`).
    /// Non-finite values are rendered as `nan`, `inf`, `-inf`.
    public static func credits(_ value: Double) -> String {
        guard value.isFinite else { return value.description }
        var (digits, point) = decimalDigits(of: value.magnitude)
        // Pad so there is at least one integer digit and three fraction digits.
        if point < 1 {
            digits.insert(contentsOf: repeatElement(0, count: 1 - point), at: 0)
            point = 1
        }
        if digits.count < point + 3 {
            digits.append(contentsOf: repeatElement(0, count: point + 3 - digits.count))
        }
        var kept = Array(digits[0..<(point + 2)])
        if digits[point + 2] >= 5 {
            var i = kept.count - 1
            while i >= 0 {
                if kept[i] == 9 {
                    kept[i] = 0
                    i -= 1
                } else {
                    kept[i] += 1
                    break
                }
            }
            if i < 0 {
                kept.insert(1, at: 0)
                point += 1
            }
        }
        var intDigits = kept[0..<point].drop { $0 == 0 }
        if intDigits.isEmpty { intDigits = [0] }
        let isZero = kept.allSatisfy { $0 == 0 }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(intDigits.count + 4)
        if value < 0, !isZero { bytes.append(UInt8(ascii: "-")) }
        for d in intDigits { bytes.append(48 + d) }
        bytes.append(UInt8(ascii: "."))
        bytes.append(48 + kept[point])
        bytes.append(48 + kept[point + 1])
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A number in a non-credits column: integers without a fraction (`42`), others in their
    /// shortest round-trip form (`0.1`).
    public static func number(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), value.magnitude < 1e15 {
            return String(Int64(value))
        }
        return value.description
    }

    /// A UTC time as ISO 8601 / RFC 3339 with whole seconds: `2026-01-15T10:00:00Z`.
    public static func dateTime(_ unixSeconds: Int64) -> String {
        RFC3339.format(seconds: unixSeconds)
    }

    /// The decimal digits of a finite, non-negative Double's shortest representation and the
    /// position of the decimal point (number of digits before it; may be ≤ 0 or > count).
    static func decimalDigits(of magnitude: Double) -> (digits: [UInt8], point: Int) {
        let text = magnitude.description.utf8
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        var point: Int?
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for c in text {
            if inExponent {
                if c == UInt8(ascii: "-") {
                    exponentSign = -1
                } else if c >= 48, c <= 57 {
                    exponent = exponent * 10 + Int(c - 48)
                }
            } else if c == UInt8(ascii: ".") {
                point = digits.count
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                inExponent = true
            } else if c >= 48, c <= 57 {
                digits.append(c - 48)
            }
        }
        return (digits, (point ?? digits.count) + exponentSign * exponent)
    }
}
