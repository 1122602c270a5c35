"""Pictures shown in the terminal, where it can draw them (sixel, kitty's graphics protocol).

textual-image asks the terminal what it supports (one escape sequence each,
0.1 s at most); only a terminal that answers "sixel" or "graphics protocol" gets
thumbnails. Anything else (a pipe, tmux, a plain xterm) gets one line per
picture instead, so nothing is ever drawn as a blur of half-blocks by surprise.
"""

from __future__ import annotations

import os
import sys

WIDTH_CELLS = 24


def show(paths: list[str], width: int = WIDTH_CELLS) -> bool:
    """Draw each picture as a thumbnail; False (nothing drawn) when the terminal cannot."""
    if not (sys.stdout.isatty() and sys.stdin.isatty()) or os.environ.get("AIGC_NO_THUMBNAILS"):
        return False
    import logging

    logging.getLogger("textual_image").setLevel(logging.CRITICAL)  # its unanswered queries are not ours to print
    try:
        from textual_image.renderable import Image, SixelImage, TGPImage
    except Exception:  # noqa: BLE001 - not installed, or the terminal query failed: no thumbnails
        return False
    if Image not in (SixelImage, TGPImage):
        return False
    from rich.console import Console

    console = Console()
    for path in paths:
        try:
            console.print(Image(path, width=width, height="auto"))  # height None draws nothing (0 rows)
        except Exception as exc:  # noqa: BLE001 - a picture the library cannot draw: the line form says where it is
            if os.environ.get("AIGC_DEBUG"):
                raise
            _ = exc
            return False
    return True
