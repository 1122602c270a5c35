"""Who decides whether a call runs: the tool's policy, the turn's taint, the user.

* ``tools.NAME.policy`` (allow | ask | deny); for an MCP tool ``server:tool``,
  then the server's name. Unset: read-only tools allow, tools with side
  effects ask, MCP tools ask unless the server marks them read-only.
* Once the turn has taken in content the user did not type, every call with
  side effects asks, even if allowed: text from outside can never make aigc
  act on its own (the prompt-injection guard).
* In such a turn a call whose arguments leave the machine (``open_world``:
  ``fetch``, MCP tools unless their server says openWorldHint false) asks too,
  unless every text in its arguments is in what the user sent: a URL the
  model composed can carry what it read (the user's notes, memories, files)
  to whoever the page that tainted the turn names (exfiltration).
* ``ask`` with no terminal (no approver) is refused; the model is told.
* ``a`` at the prompt allows that tool for the rest of the session, but never
  lifts the taint rule: a later call after outside content still asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

    def decide(self, tool: Tool, arguments: dict, tainted: bool, sent: str = "") -> tuple[Decision, str]:
        """(decision, why) for one call: ``allowed``/``approved`` run; ``denied``/``refused`` do not.

        ``sent``: what the user sent this turn (typed or piped), whose words an
        open-world call may pass on even in a tainted turn."""
        policy = policy_for(tool, self.settings)
        if policy == "deny":
            return "denied", f"the user's policy for {tool.name} is deny"
        must_ask = tainted and (tool.side_effects or (tool.open_world and not _only_sent(arguments, sent)))
        if not must_ask and (policy == "allow" or tool.name in self.session_allowed):
            return "allowed", ""
        if must_ask and not tool.side_effects:
            reason = "this turn has read content from outside, and this call sends text you did not send"
        elif must_ask:
            reason = "this turn has read content from outside (a page, file or tool result)"
        else:
            reason = f"the policy for {tool.name} is ask"
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


def _only_sent(arguments: dict, sent: str) -> bool:
    """Every text in the call's arguments is in what the user sent: it passes on nothing it read."""
    return all(text in sent for text in _texts(arguments))


def _texts(value: Any) -> list[str]:
    """Every non-empty string in a call's arguments, however nested."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and len(str(value)) > 6:
        return [str(value)]  # a long number can carry what a string would
    return []  # booleans, null, short numbers (a limit, a page number): too little to carry a secret
