"""How many batch requests are in flight: an adaptive limit under a ceiling (``-j``).

Additive increase, multiplicative decrease, as TCP does: each run of successes
as long as the limit raises it by one, up to the ceiling; a 429 or a server
error halves it and pauses every new request until the server's Retry-After
(or an exponential backoff) has passed. So a 429 storm turns into a slower,
steady stream instead of a thundering herd of retries.
"""

from __future__ import annotations

import random
import threading
import time

MAX_BACKOFF_S = 60.0


class Gate:
    """Admits at most ``limit`` workers at once; ``limit`` adapts between 1 and ``ceiling``."""

    def __init__(self, ceiling: int) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = self.ceiling
        self.active = 0
        self.resume_at = 0.0
        self._streak = 0
        self._cond = threading.Condition()

    def acquire(self, stop: threading.Event) -> bool:
        """Wait for a slot; False if ``stop`` was set meanwhile."""
        with self._cond:
            while not stop.is_set():
                wait = self.resume_at - time.monotonic()
                if wait <= 0 and self.active < self.limit:
                    self.active += 1
                    return True
                self._cond.wait(timeout=min(0.2, wait) if wait > 0 else 0.2)
            return False

    def release(self) -> None:
        with self._cond:
            self.active -= 1
            self._cond.notify_all()

    def success(self) -> None:
        with self._cond:
            self._streak += 1
            if self._streak >= self.limit and self.limit < self.ceiling:
                self.limit += 1
                self._streak = 0
                self._cond.notify_all()

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Halve the limit and pause new requests; returns the pause in seconds."""
        pause = retry_after if retry_after is not None else min(MAX_BACKOFF_S, 0.5 * 2**attempt)
        pause = min(MAX_BACKOFF_S, pause) * random.uniform(1.0, 1.25)  # noqa: S311 - jitter, not crypto
        with self._cond:
            self.limit = max(1, self.limit // 2)
            self._streak = 0
            self.resume_at = max(self.resume_at, time.monotonic() + pause)
        return pause
