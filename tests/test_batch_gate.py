"""The batch's adaptive concurrency limit, in-process: halve on a 429, grow back on successes."""

from __future__ import annotations

import threading
import time

from aigc_cli.batch.gate import Gate
from aigc_cli.batch.live import transient
from aigc_cli.errors import BackendError, BackendUnreachable, RateLimited


def test_backoff_halves_the_limit_and_pauses_new_requests() -> None:
    gate = Gate(8)
    pause = gate.backoff(1, retry_after=0.3)
    assert gate.limit == 4 and 0.3 <= pause <= 0.3 * 1.25
    stop = threading.Event()
    start = time.monotonic()
    assert gate.acquire(stop)
    assert time.monotonic() - start >= 0.25  # nobody is admitted before Retry-After has passed
    gate.release()


def test_successes_grow_the_limit_back_up_to_the_ceiling() -> None:
    gate = Gate(4)
    gate.backoff(1, retry_after=0)
    gate.backoff(1, retry_after=0)
    assert gate.limit == 1
    for _ in range(50):
        gate.success()
    assert gate.limit == 4


def test_the_limit_is_never_exceeded() -> None:
    gate = Gate(3)
    stop = threading.Event()
    peak = []

    def work() -> None:
        assert gate.acquire(stop)
        peak.append(gate.active)
        time.sleep(0.02)
        gate.release()

    threads = [threading.Thread(target=work) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(peak) <= 3


def test_a_stopped_run_admits_no_one() -> None:
    gate = Gate(1)
    stop = threading.Event()
    assert gate.acquire(stop)
    stop.set()
    assert gate.acquire(stop) is False


def test_what_is_worth_another_attempt() -> None:
    quota = RateLimited("out of quota")
    quota.quota = True
    assert transient(RateLimited("slow down")) and transient(BackendUnreachable("refused"))
    assert not transient(quota) and not transient(BackendError("garbage")) and not transient(None)
