"""`aigc summarize [FILE...]`: one turn when the input fits, map-reduce when not.

The map step sends independent requests straight to the backend (no
conversation, nothing stored) with a progress bar on stderr; only the final
summary goes through ``run_turn`` and so is logged like any other turn.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from aigc_cli.cli.recipe_opts import Common, task_command

if TYPE_CHECKING:
    from aigc_cli.summarize import Source

DEFAULT_JOBS = 4


def register(app: typer.Typer) -> None:
    app.command(
        "summarize",
        help="Summarize files and/or stdin; input larger than the window is summarized map-reduce style.",
    )(summarize)


@task_command("summarize")
def summarize(
    files: Annotated[Optional[list[str]], typer.Argument(help="Text files ('-' is stdin); default: stdin.")] = None,
    jobs: Annotated[
        Optional[int], typer.Option("--jobs", "-j", min=1, max=32, help="Parts summarized at once (API backends; default 4).")
    ] = None,
    *,
    common: Common,
    params: dict[str, Any],
) -> None:
    from aigc_cli import recipes, session
    from aigc_cli import summarize as sm
    from aigc_cli.cli import taskrun
    from aigc_cli.config import load_settings
    from aigc_cli.messages import GenOptions

    recipe = taskrun.load("summarize")
    values = recipes.check_values(recipe, params)
    sources = open_sources(files or [])
    settings = load_settings()
    backend = session.pick_backend(settings, common.backend or recipe.backend, common.model_path)
    model = session.choose_model(settings, backend, common.model or recipe.model)

    count = sm.text_counter(backend, model)
    empty = recipes.render(recipe, values, "")
    system = common.system if common.system is not None else empty.system
    reserve = common.max_tokens or recipe.max_tokens or settings.context.reserve_output
    overhead = sm.prompt_overhead(backend, model, system, empty.prompt)
    budget = sm.chunk_budget(backend.context_window(model), reserve, overhead)
    chunks = sm.split_by_tokens(sm.iter_sources(sources), budget, count)
    first = next(chunks, "")
    second = next(chunks, None)
    if not first.strip():
        from aigc_cli.errors import UsageError

        raise UsageError("nothing to summarize", hint="aigc summarize FILE...  or  ... | aigc summarize")
    if second is None:
        taskrun.run_recipe(recipe, values, first.strip(), common)
        return
    temperature = common.temperature if common.temperature is not None else recipe.temperature
    options = GenOptions(model=model, temperature=temperature, max_tokens=min(reserve, max(32, budget // 4)))
    worker = sm.Summarizer(backend, options, system, budget, jobs=_jobs(jobs, backend.name), count=count)
    merged = _map_reduce(worker, chain([first, second], chunks), sources)
    final = recipes.render(recipe, values, merged)
    final.prompt = f"{sm.MERGE_NOTE}\n{final.prompt}"
    from aigc_cli.cli.common import run_and_show

    run_and_show(taskrun.turn_request(recipe, final, common), as_json=common.as_json)


def _map_reduce(worker: Any, chunks: Iterator[str], sources: list["Source"]) -> str:
    """Summarize every chunk (progress bar on a terminal), then merge the part summaries."""
    with _progress_bar() as progress:
        parts = worker.map(chunks, progress, _estimator(sources, worker.budget))
        merged = worker.reduce(parts, progress)
    print(f"aigc: summarized {len(parts)} parts of the input map-reduce style", file=sys.stderr)
    return merged


def open_sources(files: list[str]) -> list["Source"]:
    """Binary streams for each file (and stdin), opened now so errors come early."""
    import os

    from aigc_cli.inputs import open_input
    from aigc_cli.summarize import Source

    out: list[Source] = []
    for path in files:
        if path == "-":
            out.append(Source("stdin", sys.stdin.buffer))
            continue
        fh = open_input(path)  # closed at process exit, read once
        out.append(Source(path, fh, os.fstat(fh.fileno()).st_size))
    if not files and not sys.stdin.isatty():
        out.append(Source("stdin", sys.stdin.buffer))
    return out


def _jobs(flag: int | None, backend_name: str) -> int:
    """In-process models run one request at a time; API backends default to 4."""
    if backend_name == "local":
        return 1
    return flag or DEFAULT_JOBS


def _estimator(sources: list["Source"], budget: int) -> Any:
    """Estimated number of parts: total bytes / (about 4 bytes per token * budget)."""
    sizes = [s.size for s in sources]
    if not sizes or None in sizes:
        return None
    total = sum(sizes)  # type: ignore[arg-type]
    return lambda done: max(done, -(-total // (4 * budget)))


class _progress_bar:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            self._progress = None
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("summarizing parts"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._progress.start()
        task = self._progress.add_task("map", total=None)

        def update(done: int, total: int | None) -> None:
            self._progress.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
