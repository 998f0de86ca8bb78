import WireFormats

/// One entry of an MCP `tools/list` answer.
public struct MCPToolInfo: Sendable, Equatable {
    public var name: String
    public var description: String?
    /// The tool's JSON Schema for its arguments, as sent.
    public var inputSchema: JSONValue

    public init(name: String, description: String?, inputSchema: JSONValue) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
    }

    /// Reads one element of the `tools` array; nil when it has no name.
    init?(_ value: JSONValue) {
        guard let name = value["name"]?.stringValue else { return nil }
        self.init(name: name, description: value["description"]?.stringValue, inputSchema: value["inputSchema"] ?? .null)
    }

    /// The argument names the input schema declares (`properties` keys), in document order.
    public var parameterNames: [String] {
        guard case .object(let members)? = inputSchema["properties"] else { return [] }
        return members.map(\.key)
    }
}
