"""Fitting requests into a model's window.

``fit`` holds the rules (pure: counting is injected), ``summary`` condenses
older turns (pure: generation is injected), ``request`` applies both to one
turn on a real backend. The names callers use are re-exported here.
"""

from aigc_cli.context.fit import SUMMARY_HEADER, Fitted, Summary, cut_middle, fit_messages
from aigc_cli.context.request import counted_usage, fit_request, reserve_for

__all__ = [
    "SUMMARY_HEADER",
    "Fitted",
    "Summary",
    "counted_usage",
    "cut_middle",
    "fit_messages",
    "fit_request",
    "reserve_for",
]
