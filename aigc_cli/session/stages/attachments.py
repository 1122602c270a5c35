"""Stage ``attachments`` (``-a``): files, pictures and pages join the request (``attachments/stage.py``)."""

from __future__ import annotations

from aigc_cli.session.stages.draft import Draft


def apply(d: Draft) -> None:
    """Raises before anything is sent or stored when the model cannot take what is attached."""
    from aigc_cli.attachments.stage import for_turn

    d.messages, d.attached = for_turn(d.messages, d.req.attached, d.backend, d.model, d.settings, d.store, d.conv)
    d.notices += d.attached.notices
