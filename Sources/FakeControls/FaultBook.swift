import Foundation
import Synchronization

/// The live fault rules of one fake process.
public final class FaultBook: Sendable {
    private let state = Mutex<(rules: [FaultRule], nextID: Int)>(([], 1))

    public init() {}

    public var rules: [FaultRule] { state.withLock { $0.rules } }

    func add(_ request: FaultRequest) -> Result<FaultRule, FaultValidationError> {
        state.withLock { state in
            let result = request.rule(id: "fault_\(state.nextID)")
            if case .success(let rule) = result {
                state.nextID += 1
                state.rules.append(rule)
            }
            return result
        }
    }

    @discardableResult
    public func remove(id: String) -> Bool {
        state.withLock { state in
            let before = state.rules.count
            state.rules.removeAll { $0.id == id }
            return state.rules.count != before
        }
    }

    public func removeAll() {
        state.withLock { $0.rules.removeAll() }
    }

    /// What to do to this request: the first live matching rule, counted as a hit.
    /// Returns the added latency and the status to fail with (nil: answer normally).
    func decide(method: String, path: String) -> (latencyMs: Int, status: Int?)? {
        state.withLock { state in
            guard let index = state.rules.firstIndex(where: { !$0.exhausted && $0.matches(method: method, path: path) }) else {
                return nil
            }
            state.rules[index].hits += 1
            let rule = state.rules[index]
            let fires = rule.probability >= 1 || Double.random(in: 0..<1) < rule.probability
            return (rule.latencyMs, fires ? rule.status : nil)
        }
    }
}
