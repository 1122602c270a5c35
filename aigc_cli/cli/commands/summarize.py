"""`aigc summarize [FILE...]`: flags, the inputs opened early, a progress bar on stderr.

What happens to the text (one turn, or map-reduce) is session/summarize.py.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from aigc_cli.cli.options import Common, task_command

if TYPE_CHECKING:
    from aigc_cli.session.mapreduce import Source


def register(app: typer.Typer) -> None:
    app.command(
        "summarize",
        help="Summarize files and/or stdin; input larger than the window is summarized map-reduce style.",
    )(summarize)


@task_command("summarize")
def summarize(
    files: Annotated[Optional[list[str]], typer.Argument(help="Text files ('-' is stdin); default: stdin.")] = None,
    jobs: Annotated[
        Optional[int],
        typer.Option("--jobs", "-j", min=1, max=32, help="Parts summarized at once (API backends; default 4)."),
    ] = None,
    *,
    common: Common,
    params: dict[str, Any],
) -> None:
    from aigc_cli.cli.common import show_turn
    from aigc_cli.session.summarize import run_summarize

    sources = [] if common.stdin_attached and not files else open_sources(files or [])  # `-a -`: stdin is attached
    show_turn(
        lambda settings, sink: run_summarize(
            sources, params, common, settings, jobs=jobs, sink=sink, progress=_progress_bar
        ),
        as_json=common.as_json,
    )


def open_sources(files: list[str]) -> list["Source"]:
    """Binary streams for each file (and stdin), opened now so errors come early."""
    import os

    from aigc_cli.inputs import open_input
    from aigc_cli.session.mapreduce import Source

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


class _progress_bar:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            self._progress = None
            return None
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(  # bytes of input summarized, of the inputs' size (a total fixed from the start)
            TextColumn("summarizing parts"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        task = self._progress.add_task("map", total=None)

        def update(done: int, total: int | None) -> None:
            self._progress.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
