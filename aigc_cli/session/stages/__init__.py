"""The turn as stages: ``run_turn`` shapes each request by an ordered list of named steps.

Each stage is one module here with one function, ``apply(draft)``, over the
request being built (``Draft``: messages, options, notices, what to store with
the question). ``STAGES`` is the order:

1. ``memory``: the "About the user" block joins the system prompt;
2. ``frame``: the messages, as a chat or as a base model's text to continue;
3. ``kb``: a knowledge base's passages join the last user message (``--kb``);
4. ``attachments``: files, pictures and pages join it (``-a``);
5. ``tools``: the tools the model may call go into the options (``-T``);
6. ``fit``: the whole request is fitted into the model's window (last: it
   sees everything the others added).

Adding a stage is one module and one line in ``STAGES``. No stage drives a
backend for an answer: ``run_turn`` stays the only place that does
(docs/ARCHITECTURE.md, "session").
"""

from __future__ import annotations

from collections.abc import Sequence

from aigc_cli.session.stages import attachments, fit, frame, kb, memory, tools
from aigc_cli.session.stages.draft import Draft, Stage

__all__ = ["STAGES", "Draft", "Stage", "run_stages"]

STAGES: list[tuple[str, Stage]] = [
    ("memory", memory.apply),
    ("frame", frame.apply),
    ("kb", kb.apply),
    ("attachments", attachments.apply),
    ("tools", tools.apply),
    ("fit", fit.apply),
]


def run_stages(d: Draft, stages: Sequence[tuple[str, Stage]] | None = None) -> Draft:
    """Apply ``stages`` (default: ``STAGES`` as it is when called) in order."""
    for _name, stage in STAGES if stages is None else stages:
        stage(d)
    return d
