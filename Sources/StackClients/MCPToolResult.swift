import WireFormats

/// The result of an MCP `tools/call`: its content blocks and whether the tool reported an error
/// (a tool error is a successful JSON-RPC answer with `isError: true`, not a JSON-RPC error).
public struct MCPToolResult: Sendable, Equatable, CustomStringConvertible {
    /// The `content` array as sent (text, image, resource blocks).
    public var content: [JSONValue]
    public var isError: Bool
    /// The whole `result` object, for fields this type does not model (`structuredContent`, `_meta`).
    public var raw: JSONValue

    public init(result: JSONValue) {
        if case .array(let items)? = result["content"] {
            content = items
        } else {
            content = []
        }
        if case .bool(let flag)? = result["isError"] {
            isError = flag
        } else {
            isError = false
        }
        raw = result
    }

    /// The text of every `type: "text"` block, joined with a newline.
    public var text: String {
        content.compactMap { block in
            block["type"]?.stringValue == "text" ? block["text"]?.stringValue : nil
        }.joined(separator: "\n")
    }

    /// `isError` and the text, e.g. for test failure messages.
    public var description: String {
        "\(isError ? "tool error" : "tool result"): \(text)"
    }
}
