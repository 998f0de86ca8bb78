/// Compares a presented token with the run's control token in time independent of where they differ.
struct TokenCheck: Sendable {
    let token: String

    func accepts<S: StringProtocol>(_ given: S?) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8)
        let b = Array(token.utf8)
        guard a.count == b.count, !b.isEmpty else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
