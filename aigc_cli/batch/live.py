"""Running a batch's items live: worker threads, the adaptive gate, one writer.

Workers only talk to the backend, each item through ``session.tasks.run_recipe``
exactly as `aigc run` would (memories, fitting, the recipe's framing), not
stored as a conversation unless ``--log``. The main thread is the only one
that touches the store and the output files: it records each item the moment
its result arrives, decides retries, and stops sending at ``--max-cost``.
Ctrl-C or SIGTERM there stops the run at once; requests still in flight are
simply not recorded, so a resume sends them again and nothing finished twice.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from aigc_cli.batch.gate import Gate
from aigc_cli.errors import AigcError, BackendUnreachable, RateLimited

if TYPE_CHECKING:
    from aigc_cli.batch.job import Prepared
    from aigc_cli.config import Settings
    from aigc_cli.store.db import Store


class Progress(Protocol):
    def __call__(self, done: int, failed: int, total: int, spent: float | None) -> None: ...


@dataclass
class Outcome:
    """What one attempt at one item produced (from a worker to the writer)."""

    idx: int
    text: str | None = None
    error: BaseException | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    conversation_id: str | None = None


@dataclass
class Report:
    """How a run ended: counts over the whole job, the spend of this run, why it stopped early."""

    job_id: str
    total: int
    done: int
    failed: int
    spent: float | None
    stopped: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.total - self.done - self.failed


def transient(exc: BaseException | None) -> bool:
    """Worth another attempt: rate limited (with quota left) or the server unreachable/failing."""
    if isinstance(exc, RateLimited):
        return not exc.quota
    return isinstance(exc, BackendUnreachable)


def attempt(prep: "Prepared", idx: int, settings: "Settings") -> Outcome:
    """Send one item once; never raises (an error is part of the outcome)."""
    from aigc_cli.batch.inputs import read_item
    from aigc_cli.session.options import TaskOptions
    from aigc_cli.session.tasks import run_recipe

    spec = prep.spec
    opts = TaskOptions(
        model=prep.model,
        backend=prep.backend.name,
        system=spec.system,
        temperature=spec.temperature,
        max_tokens=spec.max_tokens,
        no_log=not spec.log,
        no_memory=not spec.memory,
        no_stream=True,
    )
    try:
        text = read_item(prep.items[idx])
        result = run_recipe(prep.recipe, spec.values, text, opts, settings)
    except AigcError as exc:
        return Outcome(idx, error=exc)
    except Exception as exc:  # noqa: BLE001 - one item's surprise must not end the batch
        return Outcome(idx, error=AigcError(f"{type(exc).__name__}: {exc}"))
    usage = result.answer.usage
    return Outcome(
        idx,
        text=result.answer.text,
        error=result.error,
        cost=result.cost,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
        conversation_id=result.conversation_id,
    )


class LiveRun:
    """One live run over a job's pending items."""

    def __init__(
        self,
        prep: "Prepared",
        store: "Store",
        settings: "Settings",
        *,
        jobs: int,
        max_cost: float | None,
        spent_before: float,
        progress: Progress | None,
    ) -> None:
        self.prep, self.store, self.settings = prep, store, settings
        self.ceiling = max(1, min(jobs, prep.backend.max_parallel))
        self.max_cost, self.spent_before, self.progress = max_cost, spent_before, progress
        self.gate = Gate(self.ceiling)
        self.stop = threading.Event()
        self.work: queue.Queue[int | None] = queue.Queue()
        self.results: queue.Queue[Outcome] = queue.Queue()
        self.spent = 0.0
        self.costed = 0
        self.tries: dict[int, int] = {}

    def _worker(self) -> None:
        while not self.stop.is_set():
            idx = self.work.get()
            if idx is None or not self.gate.acquire(self.stop):
                return
            try:
                outcome = attempt(self.prep, idx, self.settings)
            finally:
                self.gate.release()
            self.results.put(outcome)

    def _over_budget(self) -> bool:
        """Would one more item (at the average measured cost) pass --max-cost?"""
        if self.max_cost is None:
            return False
        avg = self.spent / self.costed if self.costed else 0.0
        return self.spent_before + self.spent + avg > self.max_cost

    def run(self, pending: list[int], counts: tuple[int, int, int]) -> Report:
        total, done, failed = counts
        todo = deque(pending)
        report = Report(self.prep.job_id, total, done, failed, None)
        threads = [threading.Thread(target=self._worker, daemon=True, name=f"batch-{i}") for i in range(self.ceiling)]
        for t in threads:
            t.start()
        inflight = 0
        try:
            while todo or inflight:
                while todo and inflight < self.ceiling and report.stopped is None:
                    if self._over_budget():
                        report.stopped = f"stopped at --max-cost ${self.max_cost:g}"
                        break
                    self.work.put(todo.popleft())
                    inflight += 1
                if not inflight:
                    break
                try:
                    outcome = self.results.get(timeout=0.25)  # a short wait: signals get through
                except queue.Empty:
                    continue
                inflight -= 1
                self._settle(outcome, todo, report)
        finally:
            self.stop.set()
            for _ in threads:
                self.work.put(None)
        report.spent = self.spent if self.costed else None
        return report

    def _settle(self, out: Outcome, todo: deque[int], report: Report) -> None:
        """Record one outcome, or put the item back after a backoff."""
        from aigc_cli.batch import outputs
        from aigc_cli.batch.job import output_path
        from aigc_cli.store import batch as jobs

        if out.cost is not None:
            self.spent += out.cost
            self.costed += 1
        tries = self.tries[out.idx] = self.tries.get(out.idx, 0) + 1
        if out.error is not None and transient(out.error) and tries <= self.settings.batch.retries:
            self.gate.backoff(tries, getattr(out.error, "retry_after", None))
            todo.appendleft(out.idx)
            return
        if out.error is not None and isinstance(out.error, RateLimited) and out.error.quota:
            report.stopped = f"stopped: {out.error}"
        if out.error is not None or out.text is None:
            message = str(out.error) if out.error is not None else "no answer"
            jobs.fail_item(self.store, self.prep.job_id, out.idx, message, out.cost)
            report.failed += 1
            if len(report.errors) < 5:
                report.errors.append(f"{self.prep.items[out.idx].key}: {message}")
        else:
            self.gate.success()
            path = output_path(self.prep, out.idx)
            if path is not None:
                outputs.write_item(self.prep, path, out.text)
            jobs.finish_item(
                self.store,
                self.prep.job_id,
                out.idx,
                output=out.text,
                output_path=path,
                prompt_tokens=out.prompt_tokens,
                completion_tokens=out.completion_tokens,
                cost=out.cost,
                conversation_id=out.conversation_id,
            )
            report.done += 1
        if self.progress is not None:
            self.progress(report.done, report.failed, report.total, self.spent_before + self.spent)
