"""Stage ``memory``: the "About the user" block joins the system prompt (``memory/block.py``)."""

from __future__ import annotations

from aigc_cli.session.stages.draft import Draft


def apply(d: Draft) -> None:
    """The block goes into the system prompt, and as a preface for a base model, which has none."""
    from aigc_cli.memory.block import as_preface, system_with_memories

    injected = system_with_memories(d.system, d.settings, d.store, enabled=d.req.memory, model=d.model)
    d.system, d.used_memories, d.preface = injected.system, list(injected.used), as_preface(injected.used)
    d.notices += [injected.notice] if injected.notice else []
