"""Who decides whether a call runs: the tool's policy, the turn's taint, the user.

* ``tools.NAME.policy`` (allow | ask | deny); for an MCP tool ``server:tool``,
  then the server's name. Unset: read-only tools allow, tools with side
  effects ask, MCP tools ask unless the server marks them read-only.
* Once the turn has taken in content the user did not type, every call with
  side effects asks, even if allowed: text from outside can never make aigc
  act on its own (the prompt-injection guard).
* ``ask`` with no terminal (no approver) is refused; the model is told.
* ``a`` at the prompt allows that tool for the rest of the session, but never
  lifts the taint rule: a later call after outside content still asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aigc_cli.tools.base import Approver, CallView, Decision, Policy, Tool

if TYPE_CHECKING:
    from aigc_cli.config import Settings


def policy_for(tool: Tool, settings: "Settings") -> Policy:
    """The configured policy, else the tool's default (allow when read-only, else ask)."""
    names = [tool.name]
    if tool.source.startswith("mcp:"):  # server:tool, then the whole server
        server = tool.source[4:]
        names += [f"{server}:{tool.remote_name or tool.name}", server]
    for name in names:
        configured = settings.tools.policy_of(name)
        if configured:
            return configured  # type: ignore[return-value]
    if tool.default_policy:
        return tool.default_policy
    return "ask" if tool.side_effects else "allow"


@dataclass
class Gate:
    """The decisions of one session (a command, or a whole chat): what `a` allowed."""

    settings: "Settings"
    approver: Approver | None = None
    session_allowed: set[str] = field(default_factory=set)

    def decide(self, tool: Tool, arguments: dict, tainted: bool) -> tuple[Decision, str]:
        """(decision, why) for one call: ``allowed``/``approved`` run; ``denied``/``refused`` do not."""
        policy = policy_for(tool, self.settings)
        if policy == "deny":
            return "denied", f"the user's policy for {tool.name} is deny"
        must_ask = tainted and tool.side_effects
        if not must_ask and (policy == "allow" or tool.name in self.session_allowed):
            return "allowed", ""
        reason = ("this turn has read content from outside (a page, file or tool result)" if must_ask
                  else f"the policy for {tool.name} is ask")  # fmt: skip
        if self.approver is None:
            return "refused", f"refused: {reason}, and there is no terminal to ask the user on"
        view = CallView(tool=tool.name, arguments=arguments, side_effects=tool.side_effects, source=tool.source,
                        reason=reason)  # fmt: skip
        answer = self.approver(view)
        if answer == "a":
            self.session_allowed.add(tool.name)
        if answer in ("y", "a"):
            return "approved", ""
        return "refused", "the user declined this call"
