import StackClients
import WireFormats

/// How one step ended: the report's detail, and the variables it saved.
struct ScenarioStepOutcome: Sendable {
    var passed: Bool
    var detail: String
    var saved: [(String, JSONValue)] = []

    static func failed(_ detail: String) -> ScenarioStepOutcome { ScenarioStepOutcome(passed: false, detail: detail) }
}

/// Runs one step: its request (repeated, concurrently, polled under `retry`), the expectations, the saves.
struct ScenarioStepExecution: Sendable {
    let step: ScenarioStep
    let variables: [String: JSONValue]
    let services: [String: String]
    let requestTimeout: Duration

    func run() async -> ScenarioStepOutcome {
        let prepared: PreparedRequest
        do { prepared = try PreparedRequest.prepare(step.request, variables: variables, services: services) } catch {
            return .failed(error.description)
        }
        var replies: [HTTPReply] = []
        var attempts = 1
        if step.repeatCount == 1 {
            switch await sendUntilExpected(prepared) {
            case .success(let sent):
                replies = [sent.reply]
                attempts = sent.attempts
            case .failure(let failure):
                return .failed(failure.description)
            }
        } else if step.concurrent {
            let results = await withTaskGroup(of: (Int, Result<Sent, ScenarioStepFailure>).self) { group in
                for index in 0..<step.repeatCount {
                    group.addTask { (index, await sendUntilExpected(prepared)) }
                }
                var results: [(Int, Result<Sent, ScenarioStepFailure>)] = []
                for await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }.map(\.1)
            }
            let failures = results.enumerated().compactMap { index, result -> String? in
                if case .failure(let failure) = result { return "send \(index + 1): \(failure)" }
                return nil
            }
            if let first = failures.first {
                return .failed("\(failures.count) of \(step.repeatCount) concurrent sends failed; first \(first)")
            }
            replies = results.compactMap { try? $0.get().reply }
        } else {
            for index in 0..<step.repeatCount {
                switch await sendUntilExpected(prepared) {
                case .success(let sent): replies.append(sent.reply)
                case .failure(let failure): return .failed("send \(index + 1) of \(step.repeatCount): \(failure)")
                }
            }
        }
        return finish(replies, attempts: attempts)
    }

    struct Sent: Sendable {
        var reply: HTTPReply
        var attempts: Int
    }

    /// One send, or under `retry` sends every `interval` until `expect` holds or the timeout passes.
    /// A transport error is retried too (waiting for a service to come back is a fair use).
    func sendUntilExpected(_ prepared: PreparedRequest) async -> Result<Sent, ScenarioStepFailure> {
        guard let retry = step.retry else {
            let reply: HTTPReply
            do { reply = try await prepared.send(timeout: requestTimeout) } catch { return .failure(error) }
            do {
                if let miss = try unmet(reply) { return .failure(ScenarioStepFailure(miss)) }
            } catch {
                return .failure(ScenarioStepFailure(error.description))
            }
            return .success(Sent(reply: reply, attempts: 1))
        }
        let started = ContinuousClock.now
        let deadline = started + retry.timeout
        var attempts = 0
        while true {
            attempts += 1
            let last: String
            do {
                let reply = try await prepared.send(timeout: min(requestTimeout, max(deadline - .now, .seconds(1))))
                guard let miss = try unmet(reply) else { return .success(Sent(reply: reply, attempts: attempts)) }
                last = miss
            } catch let failure as ScenarioStepFailure {
                last = failure.description
            } catch {
                // An unknown variable in an expectation will not appear by waiting.
                return .failure(ScenarioStepFailure("\(error)"))
            }
            if Task.isCancelled { return .failure(ScenarioStepFailure("cancelled after \(attempts) attempt\(attempts == 1 ? "" : "s")")) }
            let waited = ContinuousClock.now - started
            if ContinuousClock.now + retry.interval >= deadline {
                let shown = ScenarioConsoleReport.duration(waited)
                return .failure(ScenarioStepFailure("\(last) (still, after \(shown) and \(attempts) attempt\(attempts == 1 ? "" : "s"))"))
            }
            try? await Task.sleep(for: retry.interval)
        }
    }

    private func unmet(_ reply: HTTPReply) throws(ScenarioEvaluationError) -> String? {
        guard let expect = step.expect else { return ScenarioExpectation.statusFailure(reply, statuses: nil) }
        return try expect.failure(of: reply, variables: variables)
    }

    /// The saves (from the last reply) and a short note of what happened.
    private func finish(_ replies: [HTTPReply], attempts: Int) -> ScenarioStepOutcome {
        guard let last = replies.last else { return .failed("no reply") }
        var outcome = ScenarioStepOutcome(passed: true, detail: Self.statusNote(replies))
        if attempts > 1 { outcome.detail += " after \(attempts) attempts" }
        var notes: [String] = []
        for save in step.save {
            let value: JSONValue?
            if !save.path.rooted, save.path.segments == ["status"] {
                value = .number(Double(last.status))
            } else {
                value = last.scenarioJSON().flatMap { save.path.lookup($0) }
            }
            guard let value else {
                let body = last.scenarioJSON().map { ScenarioRendering.json($0) } ?? ScenarioExpectation.shownBody(last)
                return .failed("save \(save.variable): nothing at \(save.path) in the body: \(body)")
            }
            outcome.saved.append((save.variable, value))
            notes.append("\(save.variable) = \(ScenarioRendering.json(value, limit: 60))")
        }
        if !notes.isEmpty { outcome.detail += "; saved " + notes.joined(separator: ", ") }
        return outcome
    }

    /// `HTTP 200`, `5 × HTTP 200`, `5 sends: 1 × 200, 4 × 409`.
    static func statusNote(_ replies: [HTTPReply]) -> String {
        var counts: [Int: Int] = [:]
        for reply in replies { counts[reply.status, default: 0] += 1 }
        if counts.count == 1, let status = counts.keys.first {
            return replies.count == 1 ? "HTTP \(status)" : "\(replies.count) × HTTP \(status)"
        }
        return "\(replies.count) sends: " + counts.keys.sorted().map { "\(counts[$0]!) × \($0)" }.joined(separator: ", ")
    }
}
