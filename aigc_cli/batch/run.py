"""The batch commands' core: plan a run (what is left, what it will cost), then execute it.

Two calls, so the CLI can show the estimate and ask before anything is sent:
``plan`` checks the command (exit 2/3 before any request), finds the job this
command already started (its id is the spec's hash) or describes a new one,
and estimates the items still to do; ``execute`` creates the job if new and
runs it live or on the Batch API. `batch resume JOB` plans from the stored
spec, with failed items made pending again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aigc_cli.batch.job import BatchSpec, Estimate, Prepared, estimate, prepare
from aigc_cli.batch.live import LiveRun, Progress, Report
from aigc_cli.errors import UsageError

if TYPE_CHECKING:
    from aigc_cli.config import Settings
    from aigc_cli.store.batch import JobRow
    from aigc_cli.store.db import Store


@dataclass
class Planned:
    prep: Prepared
    store: "Store"
    existing: "JobRow | None"
    pending: list[int]
    estimate: Estimate

    @property
    def resumed(self) -> bool:
        return self.existing is not None


def plan(spec: BatchSpec, settings: "Settings", *, retry_failed: bool = False) -> Planned:
    """Check the command and estimate what is left to do; nothing is sent or created."""
    from aigc_cli.store import batch as jobs
    from aigc_cli.store.db import Store

    prep = prepare(spec, settings)
    store = Store.open()
    assert store is not None
    try:
        existing = jobs.job(store, prep.job_id)
        if existing is not None and existing.state == "cancelled":
            raise UsageError(f"batch job {prep.job_id} was cancelled", hint="change the command to start a new job")
        if existing is not None and retry_failed and not existing.remote_id:
            jobs.retry_failed(store, prep.job_id)
        if existing is None:
            pending = list(range(len(prep.items)))
        else:
            pending = [r.idx for r in jobs.items(store, prep.job_id, "pending") if r.idx < len(prep.items)]
        return Planned(prep, store, existing, pending, estimate(prep, pending))
    except BaseException:
        store.close()
        raise


def plan_resume(job_id: str, settings: "Settings") -> Planned:
    """The plan of a stored job, by id (a unique prefix): failed items are tried again."""
    from aigc_cli.store import batch as jobs
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    row = jobs.find_job(store, job_id) if store is not None else None
    if store is not None:
        store.close()
    if row is None:
        raise UsageError(f"no batch job {job_id!r}", hint="see `aigc batch list`")
    return plan(BatchSpec.model_validate(row.spec), settings, retry_failed=True)


def execute(
    planned: Planned, settings: "Settings", *, jobs: int, max_cost: float | None, progress: Progress | None
) -> Report:
    """Run what is left of the job (creating it first if new); the store is closed after."""
    from aigc_cli.batch import outputs
    from aigc_cli.batch.remote import run_remote
    from aigc_cli.store import batch as store_jobs

    prep, store = planned.prep, planned.store
    try:
        if planned.existing is None:
            store_jobs.create_job(
                store,
                prep.job_id,
                prep.recipe.name,
                prep.spec.model_dump(),
                prep.spec.api,
                [it.key for it in prep.items],
            )
        row = store_jobs.job(store, prep.job_id)
        assert row is not None
        if prep.spec.api == "batch":
            remote_id = row.remote_id if planned.pending else None
            report = run_remote(prep, store, settings, remote_id, planned.pending, progress)
        else:
            run = LiveRun(prep, store, settings, jobs=jobs, max_cost=max_cost, spent_before=row.cost, progress=progress)
            report = run.run(planned.pending, (row.total, row.done, row.failed))
        if prep.spec.jsonl_out:
            outputs.write_jsonl(prep, store_jobs.items(store, prep.job_id))
        final = store_jobs.job(store, prep.job_id)
        if final is not None and final.done + final.failed == final.total and report.stopped is None:
            store_jobs.set_state(store, prep.job_id, "done")
        elif report.stopped is not None:
            store_jobs.set_state(store, prep.job_id, "stopped")
        return report
    finally:
        store.close()


def close(planned: Planned) -> None:
    """Give up a plan without running it (``--dry-run``, a declined confirmation)."""
    planned.store.close()


def list_jobs(limit: int = 20) -> list["JobRow"]:
    from aigc_cli.store import batch as jobs
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    if store is None:
        return []
    with store:
        return jobs.jobs(store, limit)


def job_status(job_id: str) -> "JobRow":
    from aigc_cli.store import batch as jobs
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    row = jobs.find_job(store, job_id) if store is not None else None
    if store is not None:
        store.close()
    if row is None:
        raise UsageError(f"no batch job {job_id!r}", hint="see `aigc batch list`")
    return row


def failures(job_id: str, limit: int = 20) -> list[tuple[str, str]]:
    """(input, error) of a job's failed items, first ``limit``."""
    from aigc_cli.store import batch as jobs
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    if store is None:
        return []
    with store:
        return [(r.key, r.error or "") for r in jobs.items(store, job_id, "failed")[:limit]]


def cancel(job_id: str, settings: "Settings") -> "JobRow":
    """Mark a job cancelled (and cancel its remote batch, if it has one still running)."""
    from aigc_cli.store import batch as jobs
    from aigc_cli.store.db import Store

    row = job_status(job_id)
    if row.remote_id and row.state == "running":
        from aigc_cli.session.choose import pick_backend

        spec = BatchSpec.model_validate(row.spec)
        pick_backend(settings, spec.backend, None).batch_api().cancel(row.remote_id)
    store = Store.open()
    assert store is not None
    with store:
        jobs.set_state(store, row.id, "cancelled")
        updated = jobs.job(store, row.id)
    assert updated is not None
    return updated
