"""MCP: aigc as a client of MCP servers (tools) and as a server (`aigc mcp serve`)."""
