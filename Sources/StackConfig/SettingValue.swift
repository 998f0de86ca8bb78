/// Parses one setting's raw value (from a flag, the env or `.env`) with an error that names the setting.
public enum SettingValue {
    /// nil when `raw` is nil; otherwise a whole number in `range`, or a `StartupFailure` naming `name`.
    public static func integer(_ raw: String?, _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let raw else { return nil }
        guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw StartupFailure("\(name) must be a whole number between \(range.lowerBound) and \(range.upperBound), got \"\(raw)\"")
        }
        return value
    }

    /// nil when `raw` is nil; otherwise a finite number in `range`, or a `StartupFailure` naming `name`.
    public static func number(_ raw: String?, _ name: String, _ range: ClosedRange<Double>) throws -> Double? {
        guard let raw else { return nil }
        guard let value = Double(raw.trimmingCharacters(in: .whitespaces)), value.isFinite, range.contains(value) else {
            throw StartupFailure("\(name) must be a number between \(range.lowerBound) and \(range.upperBound), got \"\(raw)\"")
        }
        return value
    }
}
