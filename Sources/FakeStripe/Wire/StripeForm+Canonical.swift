extension StripeForm {
    /// The parameters as sorted `name=value` lines: equal for the same parameters however they were
    /// encoded or ordered, which is what an idempotency key is compared on.
    public var canonical: String {
        var lines: [String] = []
        flatten(prefix: "", into: &lines)
        return lines.sorted().joined(separator: "\n")
    }

    private func flatten(prefix: String, into lines: inout [String]) {
        switch self {
        case .string(let text): lines.append(prefix + "=" + text)
        case .map(let members):
            for member in members { member.value.flatten(prefix: prefix.isEmpty ? member.key : "\(prefix)[\(member.key)]", into: &lines) }
        case .list(let items):
            for (index, item) in items.enumerated() { item.flatten(prefix: "\(prefix)[\(index)]", into: &lines) }
        }
    }
}
