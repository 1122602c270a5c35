"""`/speak` in the chat: a Speaker per answer, and what happens when one cannot speak.

No UI imports: the loop hands in ``warn`` (a red line on its console). A speaker
that cannot start, or fails, turns speaking off with one line; the chat goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aigc_cli.errors import AigcError

if TYPE_CHECKING:
    from aigc_cli.chat.state import ChatState
    from aigc_cli.speech.stream import Speaker

Warn = Callable[[str], None]


def start(state: "ChatState", warn: Warn) -> "Speaker | None":
    """A Speaker for the next answer, or None (speaking is off, or cannot start)."""
    if not state.speak:
        return None
    from aigc_cli.speech.stream import Speaker

    try:
        return Speaker(state.settings)
    except AigcError as exc:
        state.speak = False
        warn(f"{exc} (speaking is off)")
        return None


def finish(state: "ChatState", speaker: "Speaker | None", ok: bool, warn: Warn) -> None:
    """Wait until the answer has been said (Ctrl-C stops the voice, the answer stays)."""
    if speaker is None:
        return
    if not ok:
        speaker.stop()
        return
    try:
        speaker.close()
    except KeyboardInterrupt:
        speaker.stop()
    except AigcError as exc:
        state.speak = False
        warn(f"{exc} (speaking is off)")
