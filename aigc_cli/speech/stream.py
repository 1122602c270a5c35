"""`--speak`: an answer read aloud sentence by sentence while it still streams.

``Speaker.feed`` takes the text as it arrives (the renderer gets it too);
each finished sentence is synthesized and played in order by one background
thread, so the first sentence is heard while the model is still writing the
rest. ``close`` speaks what is left and waits; ``stop`` (Ctrl-C) ends the
player at once and drops what was not yet said. The core never prints: a
failure is kept and raised by ``close``.
"""

from __future__ import annotations

import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from aigc_cli.speech.split import SentenceBuffer

if TYPE_CHECKING:
    from aigc_cli.config import Settings


def tee(first: "Callable[[str], None] | None", second: "Callable[[str], None]") -> "Callable[[str], None]":
    """One sink that hands each piece of a stream to both (the renderer and a Speaker)."""

    def both(text: str) -> None:
        if first is not None:
            first(text)
        second(text)

    return both


class Speaker:
    def __init__(self, settings: "Settings", backend: str | None = None) -> None:
        from aigc_cli.errors import ConfigError
        from aigc_cli.speech import play
        from aigc_cli.speech.speak import speech_backend

        self.player = play.find(settings.speech.player)
        if self.player is None:
            raise ConfigError(
                "no audio player found (ffplay, mpv, paplay, aplay, afplay)",
                hint="install one, set `aigc config set speech.player CMD`, or save: aigc speak -o FILE",
            )
        self.backend = speech_backend(settings, backend)
        self.settings = settings
        self.buffer = SentenceBuffer()
        self.todo: queue.Queue[str | None] = queue.Queue()
        self.error: BaseException | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="speaker")
        self._thread.start()

    def feed(self, text: str) -> None:
        for sentence in self.buffer.feed(text):
            self.todo.put(sentence)

    def _run(self) -> None:
        from aigc_cli.speech import play

        fmt = "wav" if "wav" in self.backend.speech_formats else "mp3"
        while (sentence := self.todo.get()) is not None and not self._stopped.is_set():
            try:
                audio = self.backend.speech(
                    sentence, voice=self.settings.speech.voice, fmt=fmt, speed=1.0, model=self.settings.speech.model
                )
                fd, path = tempfile.mkstemp(suffix=f".{fmt}", prefix="aigc-say-")
                with os.fdopen(fd, "wb") as fh:
                    fh.write(audio)
                try:
                    if self._stopped.is_set():
                        return
                    self.proc = play.play(path, self.player or [])
                    play.wait(self.proc)
                finally:
                    os.unlink(path)
            except BaseException as exc:  # noqa: BLE001 - kept, raised by close() in the main thread
                self.error = exc
                self._stopped.set()

    def close(self) -> None:
        """Speak what is left, wait until it has been said, raise what went wrong."""
        rest = self.buffer.rest()
        if rest:
            self.todo.put(rest)
        self.todo.put(None)
        self._thread.join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Stop speaking now (Ctrl-C): the player is ended, the rest dropped."""
        self._stopped.set()
        self.todo.put(None)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
