"""Tools in a chat: which are on (``-T``, ``tools.default``, ``/tool NAME``), opened once and kept.

MCP servers start when a turn first needs them and stay up for the rest of
the chat (closed when the process exits); what ``a`` allowed at an approval
question holds for the whole chat. No UI imports: the REPL passes the
terminal's hooks in.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aigc_cli.config import Settings


@dataclass
class ChatTools:
    """The chat's tools: names on, the open toolset, and the session's approvals."""

    names: list[str] = field(default_factory=list)
    hooks: Any = None  # session.toolloop.ToolHooks (with its Gate kept across turns)
    outside_next: bool = False  # piped stdin goes with the first message: that turn starts tainted
    _toolset: Any = None

    def toggle(self, name: str, settings: "Settings") -> str:
        """Turn ``name`` on (checked: an unknown name is a UsageError) or off; a one-line notice."""
        if name in self.names:
            self.names.remove(name)
            self._reset()
            return f"tool {name} is off"
        from aigc_cli.mcp.config import load_servers
        from aigc_cli.tools.registry import available

        known = {*available(settings), *load_servers()}
        if name not in known and name.split(":", 1)[0] not in known:
            from aigc_cli.errors import UsageError

            raise UsageError(f"unknown tool {name!r}", hint=f"known: {', '.join(sorted(known))}")
        self.names.append(name)
        self._reset()
        return f"tool {name} is on"

    def _reset(self) -> None:
        if self._toolset is not None:
            self._toolset.close()
            self._toolset = None

    def for_turn(self, settings: "Settings") -> Any:
        """The open toolset for the next turn (started on first use), or None when no tool is on."""
        if not self.names:
            return None
        if self._toolset is None:
            from aigc_cli.tools.registry import resolve

            self._toolset = resolve(self.names, settings)
            atexit.register(self._reset)
        if self.hooks is not None and self.hooks.gate is None:
            from aigc_cli.tools.policy import Gate

            self.hooks.gate = Gate(settings, approver=self.hooks.approver)
        return self._toolset

    def take_outside(self) -> bool:
        """True once, for the turn that carries piped stdin."""
        was, self.outside_next = self.outside_next, False
        return was

    def lines(self, settings: "Settings") -> list[str]:
        """What /tools shows."""
        if not self.names:
            return ["No tools are on. /tool NAME turns one on (aigc tools list shows them)."]
        from aigc_cli.tools.policy import policy_for

        out = ["Tools on:"]
        tools = self._toolset.tools if self._toolset is not None else {}
        for name in self.names:
            own = tools.get(name)
            out.append(f"  {name}" + (f"  ({policy_for(own, settings)})" if own is not None else ""))
        return out
