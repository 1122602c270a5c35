"""Command-line arguments that are not valid UTF-8: one clear usage error, up front.

Python hands such bytes over as lone surrogates (``'\\udcff'``), which then
fail wherever the text is encoded: sending a question, storing a turn,
searching. A path that exists is left alone (file names need not be UTF-8);
anything else with such bytes is refused before any work is done (exit 2).
"""

from __future__ import annotations

import os

from aigc_cli.errors import UsageError


def check_argv(args: list[str]) -> None:
    """UsageError naming the first argument that is not valid UTF-8 (and not an existing path)."""
    for n, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            if os.path.lexists(arg):
                continue
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise UsageError(
                f"argument {n} ({shown}) is not valid UTF-8",
                hint="aigc reads text as UTF-8: check the terminal's or the script's encoding (e.g. LANG=C.UTF-8)",
            ) from None
