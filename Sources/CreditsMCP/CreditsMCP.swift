/// credits-mcp: the AI-credits MCP server.
public enum CreditsMCP {}
