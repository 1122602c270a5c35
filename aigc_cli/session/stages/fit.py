"""Stage ``fit``: the whole request into the model's window (``context/``).

Last, so it sees everything the other stages added. With ``context.strategy =
"summarize"`` the conversation's running summary is read from the store and,
when it changed, written back (only when the turn is logged); what
summarizing cost becomes part of the turn's cost.
"""

from __future__ import annotations

from aigc_cli.session.stages.draft import Draft


def apply(d: Draft) -> None:
    from aigc_cli import context

    summary = None
    if d.settings.context.strategy == "summarize" and d.store is not None and d.conv is not None:
        saved = d.store.summary(d.conv.id)
        summary = context.Summary(*saved) if saved else None
    fitted = context.fit_request(d.messages, d.backend, d.options, d.settings, summary=summary, truncate=d.req.truncate)
    logged = d.req.log and d.settings.log
    if fitted.summary_changed and fitted.summary and d.conv is not None and d.store is not None and logged:
        d.store.set_summary(d.conv.id, fitted.summary.text, fitted.summary.covered, d.options.model)
    d.messages, d.extra_cost = fitted.messages, fitted.summary_cost or 0.0
    d.notices += fitted.notices
