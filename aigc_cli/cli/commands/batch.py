"""`aigc batch ...`: run a recipe over many inputs; list, status, resume, cancel jobs.

`aigc batch RECIPE INPUT...` is `aigc batch run RECIPE INPUT...` (the group
sends a first word that is not one of its commands to `run`; a recipe named
like a subcommand is run with the explicit `run`). The module parses flags,
calls the core (aigc_cli/batch/run.py) to plan and then execute, and renders:
the estimate and a progress bar on stderr, one summary line at the end.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperGroup
from aigc_cli.cli.complete_values import complete_backends, complete_models

if TYPE_CHECKING:
    from aigc_cli.batch.live import Report
    from aigc_cli.batch.run import Planned

InputsOpt = Annotated[Optional[list[str]], typer.Argument(metavar="[INPUT]...", help="Files, folders or globs.")]
OutDirOpt = Annotated[
    Optional[str],
    typer.Option("-o", "--out", metavar="DIR", help="One output file per input, mirroring the inputs."),
]
JsonlOpt = Annotated[Optional[str], typer.Option("--jsonl", metavar="FILE", help="All results as one JSONL file.")]
LinesOpt = Annotated[
    Optional[list[str]],
    typer.Option("--lines", metavar="FILE", help="One input per non-empty line of FILE (repeatable)."),
]
FieldOpt = Annotated[
    Optional[str],
    typer.Option("--field", metavar="NAME", help="Read .jsonl inputs one record per item, the text in field NAME."),
]
SetsOpt = Annotated[
    Optional[list[str]], typer.Option("--set", metavar="KEY=VALUE", help="Set a recipe parameter (repeatable).")
]
JobsOpt = Annotated[
    int, typer.Option("-j", "--jobs", min=1, max=256, metavar="N", help="Requests at once, at most (default 8).")
]
MaxCostOpt = Annotated[
    Optional[float],
    typer.Option("--max-cost", min=0, metavar="USD", help="Stop sending once the measured spend would pass this."),
]
ApiOpt = Annotated[
    str,
    typer.Option(
        "--api", metavar="live|batch", help="live requests, or the provider's Batch API (half price, within 24 h)."
    ),
]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("-m", "--model", metavar="MODEL", help="Model to use.", autocompletion=complete_models),
]
BackendOpt = Annotated[
    Optional[str],
    typer.Option("-b", "--backend", metavar="NAME", help="Backend to use.", autocompletion=complete_backends),
]
SystemOpt = Annotated[
    Optional[str], typer.Option("-s", "--system", metavar="TEXT", help="Replace the recipe's system prompt.")
]
TemperatureOpt = Annotated[
    Optional[float], typer.Option("-t", "--temperature", min=0, max=2, metavar="T", help="Sampling temperature.")
]
MaxTokensOpt = Annotated[
    Optional[int], typer.Option("--max-tokens", min=1, metavar="N", help="Longest answer per item, in tokens.")
]


EXIT_INCOMPLETE = 8  # some items failed or were not sent (README, "Exit codes")


class _RunByDefault(TyperGroup):
    """A first argument that is not a subcommand is a recipe name for `run`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


batch_app = typer.Typer(
    cls=_RunByDefault,
    no_args_is_help=True,
    help="Run a recipe once per input, resumably: aigc batch RECIPE INPUT... -o DIR.",
)


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")


def _say(text: str) -> None:
    print(f"aigc: {text}", file=sys.stderr)


def _money(x: float | None) -> str:
    if x is None:
        return "unknown cost"
    return f"${x:.2f}" if x >= 1 else f"${x:.4f}" if x >= 0.01 or x == 0 else f"${x:.6f}"


@batch_app.command("run")
def run(
    recipe: Annotated[str, typer.Argument(metavar="RECIPE", help="The recipe to run (see `aigc recipes list`).")],
    inputs: InputsOpt = None,
    out_dir: OutDirOpt = None,
    jsonl: JsonlOpt = None,
    lines: LinesOpt = None,
    field: FieldOpt = None,
    sets: SetsOpt = None,
    jobs: JobsOpt = 8,
    max_cost: MaxCostOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the items, tokens and cost; send nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before a costly run.")] = False,
    api: ApiOpt = "live",
    log: Annotated[bool, typer.Option("--log", help="Store each item as a conversation in the history.")] = False,
    model: ModelOpt = None,
    backend: BackendOpt = None,
    system: SystemOpt = None,
    temperature: TemperatureOpt = None,
    max_tokens: MaxTokensOpt = None,
    no_memory: Annotated[bool, typer.Option("--no-memory", help="Leave out what aigc remembers about you.")] = False,
) -> None:
    """Run RECIPE once per input; running the same command again resumes it."""
    from aigc_cli import recipes
    from aigc_cli.batch.job import BatchSpec
    from aigc_cli.batch.run import plan
    from aigc_cli.config import load_settings
    from aigc_cli.errors import UsageError

    if api not in ("live", "batch"):
        raise UsageError(f"--api must be live or batch, not {api!r}")
    spec = BatchSpec(
        recipe=recipe,
        values=recipes.parse_sets(sets),
        inputs=inputs or [],
        lines=lines or [],
        field=field,
        out_dir=out_dir,
        jsonl_out=jsonl,
        backend=backend,
        model=model,
        system=system,
        temperature=temperature,
        max_tokens=max_tokens,
        api=api,
        log=log,
        memory=not no_memory,  # type: ignore[arg-type]
    )
    settings = load_settings()
    _go(plan(spec, settings), settings, jobs=jobs, max_cost=max_cost, dry_run=dry_run, yes=yes)


def _go(planned: "Planned", settings: Any, *, jobs: int, max_cost: float | None, dry_run: bool, yes: bool) -> None:
    """Show the estimate, maybe ask, execute, and report."""
    from aigc_cli.batch.run import close, execute

    est, prep = planned.estimate, planned.prep
    what = "resuming" if planned.resumed else "new"
    _say(
        f"batch {prep.job_id} ({what}): {est.items} item{'s' if est.items != 1 else ''} to send to "
        f"{prep.backend.name}/{prep.model}, ~{est.prompt_tokens:,} prompt + ~{est.output_tokens:,} output tokens, "
        f"estimated {_money(est.cost)}" + (f" ({est.unreadable} unreadable)" if est.unreadable else "")
    )
    if dry_run or not planned.pending:
        close(planned)
        if not planned.pending:
            _say("nothing left to do")
        return
    over = est.cost is not None and est.cost > settings.batch.confirm_over
    if over and not yes and sys.stdin.isatty() and sys.stderr.isatty():
        if not typer.confirm(f"Send {est.items} requests for about {_money(est.cost)}?", default=False, err=True):
            close(planned)
            raise typer.Exit(130)
    with _Bar(est.items) as bar:
        report = execute(planned, settings, jobs=jobs, max_cost=max_cost, progress=bar)
    _summary(report)


def _summary(report: "Report") -> None:
    _say(
        f"batch {report.job_id}: {report.done} done, {report.failed} failed, {report.pending} not sent"
        f" of {report.total}; spent {_money(report.spent)} this run"
    )
    for line in report.errors:
        _say(f"  failed: {line}")
    if report.stopped:
        _say(report.stopped)
    if report.failed or report.pending:
        _say(f"run `aigc batch resume {report.job_id}` to try the rest again")
        raise typer.Exit(EXIT_INCOMPLETE)


class _Bar:
    """Progress on stderr: a rich bar on a terminal (done, failed, rate, ETA, spend), else nothing."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._progress: Any = None
        self._start = time.monotonic()

    def __enter__(self) -> "_Bar":
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("batch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[info]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("batch", total=self.total, info="")
        return self

    def __call__(self, done: int, failed: int, total: int, spent: float | None) -> None:
        if self._progress is None:
            return
        rate = (done + failed) / max(1e-6, time.monotonic() - self._start)
        info = f"{failed} failed · {rate:.1f}/s · {_money(spent)}"
        self._progress.update(self._task, completed=done + failed, total=total, info=info)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


@batch_app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    """The most recent batch jobs."""
    from aigc_cli.batch.run import list_jobs
    from aigc_cli.cli.common import print_json

    rows = list_jobs()
    if as_json:
        print_json([_job_json(r) for r in rows])
        return
    if not rows:
        _say("no batch jobs yet")
        return
    print(f"{'JOB':<12}  {'STATE':<9}  {'RECIPE':<16}  {'DONE':>11}  {'FAILED':>6}  COST")
    for r in rows:
        print(
            f"{r.id:<12}  {r.state:<9}  {r.recipe[:16]:<16}  {f'{r.done}/{r.total}':>11}  {r.failed:>6}  {_money(r.cost)}"
        )


def _job_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "state": r.state,
        "recipe": r.recipe,
        "api": r.api,
        "remote_id": r.remote_id,
        "total": r.total,
        "done": r.done,
        "failed": r.failed,
        "pending": r.total - r.done - r.failed,
        "cost": r.cost,
        "created": r.created,
        "updated": r.updated,
        "spec": r.spec,
    }


@batch_app.command("status")
def status(
    job: Annotated[str, typer.Argument(metavar="JOB", help="Job id (a unique prefix is enough).")],
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """One job: its counts, spend, and the first failures."""
    from aigc_cli.batch.run import failures, job_status
    from aigc_cli.cli.common import print_json

    row = job_status(job)
    failed = failures(row.id)
    if as_json:
        print_json({**_job_json(row), "failures": [{"input": k, "error": e} for k, e in failed]})
        return
    print(
        f"job {row.id}: {row.state}, recipe {row.recipe}, api {row.api}"
        + (f" (remote {row.remote_id})" if row.remote_id else "")
    )
    print(
        f"{row.done} done, {row.failed} failed, {row.total - row.done - row.failed} pending of {row.total}; "
        f"spent {_money(row.cost)}"
    )
    for key, err in failed:
        print(f"  failed: {key}: {err}")


@batch_app.command("resume")
def resume(
    job: Annotated[str, typer.Argument(metavar="JOB", help="Job id (a unique prefix is enough).")],
    jobs: Annotated[
        int, typer.Option("-j", "--jobs", min=1, max=256, metavar="N", help="Requests at once, at most.")
    ] = 8,
    max_cost: MaxCostOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before a costly run.")] = False,
) -> None:
    """Go on with a job: pending and failed items are sent; a Batch API job is polled."""
    from aigc_cli.batch.run import plan_resume
    from aigc_cli.config import load_settings

    settings = load_settings()
    _go(plan_resume(job, settings), settings, jobs=jobs, max_cost=max_cost, dry_run=False, yes=yes)


@batch_app.command("cancel")
def cancel(job: Annotated[str, typer.Argument(metavar="JOB", help="Job id (a unique prefix is enough).")]) -> None:
    """Stop a job for good (a running Batch API batch is cancelled too); finished items stay."""
    from aigc_cli.batch.run import cancel as cancel_job
    from aigc_cli.config import load_settings

    row = cancel_job(job, load_settings())
    _say(
        f"batch {row.id} cancelled: {row.done} done, {row.failed} failed, {row.total - row.done - row.failed} not sent"
    )
