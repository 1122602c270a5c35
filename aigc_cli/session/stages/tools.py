"""Stage ``tools`` (``-T``): the tools the model may call go into the options (``session/toolloop.py``)."""

from __future__ import annotations

from aigc_cli.session import toolloop
from aigc_cli.session.stages.draft import Draft


def apply(d: Draft) -> None:
    """Kept on the draft as soon as made, so ``run_turn`` closes its servers whatever fails later."""
    d.tools = toolloop.prepare(d.req, d.settings, d.backend, d.model, d.history)
    if d.tools is not None:
        d.options = d.options.model_copy(update={"tools": d.tools.toolset.specs()})
