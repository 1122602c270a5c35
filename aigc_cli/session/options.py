"""The options every task shares (``-m``, ``-b``, ``-s``, ``-c``...), as parsed.

A plain dataclass, not pydantic: the CLI builds its option list from these
fields at every start, and ``aigc --help`` must not pay for pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TaskOptions:
    """One value the task commands hand to the core."""

    model: str | None = None
    backend: str | None = None
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    continue_last: bool = False
    cid: str | None = None
    no_log: bool = False
    no_memory: bool = False
    truncate: bool = False
    no_stream: bool = False
    as_json: bool = False
    model_path: str | None = None
    kb: str | None = None  # --kb NAME: answer from this knowledge base (issue #13)
    tools: list[str] | None = None  # -T NAME (issue #21)
    no_tools: bool = False
    outside_input: bool = False  # set by the command: piped stdin or --file text came in
    tool_hooks: object = None  # session.toolloop.ToolHooks: the terminal's approval question
    attach: list[str] | None = None  # -a/--attach PATH|URL|- (issue #22)
    attach_original: bool = False  # --attach-original: images as they are (no downscale, no stripping)

    @property
    def stdin_attached(self) -> bool:
        """``-a -``: stdin is an attachment's bytes, not text input."""
        return "-" in (self.attach or [])
