/// The text lines of a run as `stackctl scenario run` prints them:
/// `PASS  2/9  pay with 4242 (35 ms)`, `FAIL  3/9  wait for the credit: expected …`, then
/// `scenario NAME: PASS (9 steps, 1.4 s)`.
public enum ScenarioConsoleReport {
    /// One finished step (passed, failed or skipped); nil while it is pending or running.
    public static func line(_ step: ScenarioStepReport, total: Int) -> String? {
        let label = step.cleanup ? "finally: \(step.name)" : step.name
        let position = "\(step.index)/\(total)"
        switch step.status {
        case "passed":
            return "PASS  \(position)  \(label)" + (step.durationMs.map { " (\(milliseconds($0)))" } ?? "")
        case "failed":
            return "FAIL  \(position)  \(label): \(oneLine(step.detail ?? "failed"))"
        case "skipped":
            return "SKIP  \(position)  \(label)"
        default:
            return nil
        }
    }

    public static func summary(_ report: ScenarioReport) -> String {
        let verdict = report.passed ? "PASS" : report.status == "running" ? "RUNNING" : "FAIL"
        let steps = report.steps.count == 1 ? "1 step" : "\(report.steps.count) steps"
        return "scenario \(report.name): \(verdict) (\(steps), \(milliseconds(report.durationMs)))"
    }

    /// `35 ms` under a second, else `1.4 s`.
    public static func milliseconds(_ value: Double) -> String {
        if value < 1000 { return "\(Int(value.rounded())) ms" }
        return "\((value / 100).rounded() / 10) s"
    }

    public static func duration(_ value: Duration) -> String {
        let components = value.components
        return milliseconds(Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15)
    }

    /// Details quote bodies; a console line stays one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { String($0).trimmingSpaces }.joined(separator: " ")
    }
}
