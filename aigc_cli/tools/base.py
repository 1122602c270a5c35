"""The tool contract: what a tool is, what a call gets, what it returns.

A tool is a name, a description and a JSON schema the model sees, a ``run``
function, and three facts the policy needs: whether it has side effects,
whether its result is content from outside (a page, a file, an MCP server's
answer), which taints the rest of the turn, and whether its arguments leave
the machine (``open_world``: a URL fetched is a message to that server), which
a tainted turn may not decide alone (tools/policy.py). Tools never
print and never ask the user themselves: the loop asks through the approval
callback the CLI supplies (``Approver``), before the call runs; a tool that
needs a second, stronger confirmation (``shell``: ``yes`` for a destructive
command) asks through ``ToolContext.confirm``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from aigc_cli.config import Settings

Policy = Literal["allow", "ask", "deny"]
Decision = Literal["allowed", "approved", "refused", "denied", "error"]


class ToolError(Exception):
    """A call that failed in a way the model should hear about (not a crash)."""


@dataclass
class ToolContext:
    """What a running call may use: settings, where it runs, its time and a stop flag."""

    settings: "Settings"
    cwd: str
    timeout: float
    cancel: threading.Event = field(default_factory=threading.Event)
    # a second confirmation for a dangerous action: the prompt line -> True only on `yes`;
    # None when there is no terminal to ask on
    confirm: Callable[[str], bool] | None = None
    # True once the turn has taken in content the user did not type
    tainted: bool = False


@dataclass
class Tool:
    """One tool the model can call."""

    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[dict[str, Any], ToolContext], str]
    side_effects: bool = False
    outside: bool = False  # its results are content from outside (taints the turn)
    open_world: bool = False  # its arguments leave the machine (a URL fetched, a remote service)
    source: str = "built-in"
    default_policy: Policy | None = None  # None: allow if read-only, else ask
    remote_name: str | None = None  # an MCP tool's name on its server (``name`` may be namespaced)

    def spec(self) -> dict[str, Any]:
        """The function spec a backend sends (name, description, parameters)."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}


class CallView(BaseModel):
    """What the user is shown when asked about a call."""

    tool: str
    arguments: dict[str, Any]
    side_effects: bool
    source: str
    reason: str  # why it asks: the policy, or content from outside earlier in the turn


class Approver(Protocol):
    """The CLI's question on the terminal: ``y`` (once), ``n``, or ``a`` (the rest of this session)."""

    def __call__(self, call: CallView) -> Literal["y", "n", "a"]: ...


class ToolRecord(BaseModel):
    """One call as it happened: stored with the turn, shown by `history show`, in ``--json``."""

    call_id: str
    name: str
    arguments: str
    result: str | None = None
    error: str | None = None
    duration: float = 0.0
    decision: Decision = "allowed"
    round: int = 0
    preface: str = ""  # the assistant's text that came with this round's calls

    def to_json(self) -> dict[str, Any]:
        return self.model_dump()


class ToolEvent(BaseModel):
    """A call finished: for the CLI's one dim line (``⚙ fetch https://…  1.2 s, 3.4 KB``)."""

    name: str
    summary: str
    duration: float
    size: int
    decision: Decision
    error: str | None = None
