"""Stage ``kb`` (``--kb``): the knowledge base's passages join the last user message.

They go in after any recipe was rendered (so never through a template); the
stored question stays the user's own (``kb/answer.py``).
"""

from __future__ import annotations

from aigc_cli.session.stages.draft import Draft


def apply(d: Draft) -> None:
    """Passages and sources; a base model also stops at the block's markers, which it echoes."""
    if not d.req.kb:
        return
    from aigc_cli.kb import answer

    d.messages, d.sources, notices = answer.for_turn(d.messages, d.req.kb_query or d.req.prompt, d.req.kb, d.settings)
    d.notices += notices
    if d.backend.prompt_style(d.options.model) == "completion":
        d.options = d.options.model_copy(update={"stop": [*(d.options.stop or []), *answer.stop_markers()]})
