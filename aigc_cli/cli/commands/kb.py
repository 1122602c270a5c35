"""`aigc kb ...`: add, sync, list, rm, forget, search a knowledge base.

Each command parses its flags, makes one call into ``aigc_cli.kb`` and
renders the result; indexing shows a rich progress bar on stderr when stderr
is a terminal, and one summary line either way.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from aigc_cli.cli.complete_values import complete_backends, complete_knowledge_bases

if TYPE_CHECKING:
    from aigc_cli.kb.sync import SyncReport

kb_app = typer.Typer(help="Knowledge bases: index your files, search them, ask with --kb.", no_args_is_help=True)

Base = Annotated[
    str, typer.Option("--kb", metavar="NAME", help="Knowledge base name.", autocompletion=complete_knowledge_bases)
]
AsJson = Annotated[bool, typer.Option("--json", help="As JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(kb_app, name="kb")


class _Bar:
    """The Progress the sync reports to: a rich bar on a terminal's stderr, else nothing."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def start(self, total: int, what: str) -> None:
        if not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn(what),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(what, total=total)

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _say(text: str) -> None:
    print(f"aigc: {text}", file=sys.stderr)


SHOW_SKIPPED = 5  # skipped files named one per line; more are counted by reason


def _n(count: int, word: str) -> str:
    """``1 file``, ``2 files``: a count with its noun."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _report_skipped(name: str, skipped: list[tuple[str, str]]) -> None:
    """Each skipped file with its reason; past a few, the rest counted by reason."""
    from collections import Counter

    for path, reason in skipped[:SHOW_SKIPPED]:
        _say(f"skipped {path}: {reason}")
    rest = skipped[SHOW_SKIPPED:]
    if rest:
        by_reason = ", ".join(f"{n} {reason}" for reason, n in Counter(r for _, r in rest).most_common())
        _say(f"skipped {_n(len(rest), 'more file')} ({by_reason}); `aigc kb list --verbose --kb {name}` lists them")


def _report(name: str, r: "SyncReport") -> None:
    _report_skipped(name, r.skipped)
    for root in r.missing_roots:
        _say(f"folder {root} is gone; `aigc kb forget {root} --kb {name}` drops it")
    parts = [
        f"{r.new} new",
        f"{r.modified} modified",
        f"{r.deleted} deleted",
        f"{r.renamed} renamed",
        f"{r.unchanged} unchanged",
    ]
    extra = f", {r.embedded} embedded" if r.embedded else ""
    _say(f"kb {name}: {', '.join(parts)} ({_n(r.chunks, 'passage')}{extra}) in {r.seconds:.1f}s")
    if r.embed_error is not None:
        _say(
            f"kb {name}: the passages are indexed by keyword; embedding stopped, and the next "
            f"`aigc kb sync --kb {name}` embeds what is missing (`aigc kb add PATH --no-embed` turns it off)"
        )
        raise r.embed_error


def _sync(kb: Any) -> None:
    from aigc_cli.kb import sync

    embedder = None
    if kb.meta("embed_model"):  # settings (pydantic) and a backend only for a base with embeddings
        from aigc_cli.config import load_settings
        from aigc_cli.kb import embed

        embedder = embed.embedder(kb, load_settings())
    try:
        report = sync.sync(kb, embedder, _Bar())
    except KeyboardInterrupt:
        _say(f"kb {kb.name}: stopped; what was indexed is kept, `aigc kb sync --kb {kb.name}` does the rest")
        raise
    _report(kb.name, report)


@kb_app.command("add", help="Add files or folders to a base (default: notes) and index them.")
def add(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...", help="Files or folders.")],
    name: Base = "notes",
    embed_model: Annotated[
        Optional[str],
        typer.Option("--embed", metavar="MODEL", help="Also embed passages with this model (hybrid search)."),
    ] = None,
    backend: Annotated[
        Optional[str],
        typer.Option(
            "--backend",
            "-b",
            help="Backend for --embed: openai, local, or a plugin's.",
            autocompletion=complete_backends,
        ),
    ] = None,
    no_embed: Annotated[bool, typer.Option("--no-embed", help="Make the base keyword-only again.")] = False,
) -> None:
    from aigc_cli.errors import UsageError
    from aigc_cli.kb import embed
    from aigc_cli.kb.index import KnowledgeBase, check_name

    check_name(name)
    from aigc_cli.kb.files import check_root

    resolved = []
    for p in paths:
        path = Path(p).expanduser()
        if not path.exists():
            raise UsageError(f"no such file or folder: {p}")
        resolved.append(check_root(path))  # a folder or a regular file, with a UTF-8 name
    if embed_model:
        # record the backend in force now: a later change of the default must not mix vectors
        from aigc_cli.backends import choose_backend_name
        from aigc_cli.config import load_settings

        backend = choose_backend_name(load_settings(), backend)
    with KnowledgeBase.open(name, create=True) as kb:
        if (embed_model or no_embed) and embed.configure(kb, None if no_embed else embed_model, backend):
            if no_embed:
                _say(f"kb {name}: embeddings are off; the base is keyword-only (its vectors are dropped)")
            else:
                _say(f"kb {name}: embedding model changed; every passage is embedded again")
    with KnowledgeBase.open(name) as kb:  # opened again: a base with vectors loads sqlite-vec
        for path in resolved:
            kb.add_root(path)
        _sync(kb)


@kb_app.command("sync", help="Re-index what changed (new, modified, deleted, renamed files) in every base.")
def sync_cmd(
    name: Annotated[
        Optional[str],
        typer.Option("--kb", metavar="NAME", help="Only this base.", autocompletion=complete_knowledge_bases),
    ] = None,
) -> None:
    from aigc_cli.kb.index import KnowledgeBase, names

    from aigc_cli.errors import AigcError

    todo = [name] if name else names()
    if not todo:
        _say("no knowledge bases yet; `aigc kb add PATH` makes one")
    failed: AigcError | None = None
    for each in todo:
        try:
            with KnowledgeBase.open(each) as kb:
                _sync(kb)
        except AigcError as exc:
            if len(todo) == 1:
                raise
            _say(f"error: kb {each}: {exc.message}")  # the other bases are still synced
            failed = failed or exc
    if failed is not None:
        raise typer.Exit(failed.exit_code)


@kb_app.command("list", help="Bases with their folders, file and passage counts, last sync.")
def list_cmd(
    as_json: AsJson = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also every skipped file and why.")] = False,
    name: Annotated[
        Optional[str],
        typer.Option("--kb", metavar="NAME", help="Only this base.", autocompletion=complete_knowledge_bases),
    ] = None,
) -> None:
    from aigc_cli.cli.common import print_json
    from aigc_cli.kb.index import KnowledgeBase, names

    infos, skipped = [], {}
    for n in [name] if name else names():
        with KnowledgeBase.open(n) as kb:
            infos.append(kb.info())
            if verbose:
                skipped[n] = kb.skipped_files()
    if as_json:
        from dataclasses import asdict

        rows = [asdict(i) for i in infos]
        for row in rows if verbose else []:
            row["skipped_files"] = [{"path": p, "reason": r} for p, r in skipped[row["name"]]]
        print_json(rows)
        return
    if not infos:
        _say("no knowledge bases yet; `aigc kb add PATH` makes one")
        return
    from aigc_cli.termsafe import for_terminal

    tty = sys.stdout.isatty()
    for i in infos:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(i.last_sync)) if i.last_sync else "never"
        embed = f", embeddings {i.embed_backend or 'default'}:{i.embed_model}" if i.embed_model else ", keyword-only"
        skips = f", {i.skipped} skipped" if i.skipped else ""
        print(f"{i.name}: {_n(i.files, 'file')}, {_n(i.chunks, 'passage')}{skips}{embed}, synced {when}")
        for folder in i.folders:
            print(for_terminal(f"  {folder}", tty))
        for path, reason in skipped.get(i.name, []):  # a file's name is not ours: never raw on a terminal
            print(for_terminal(f"  skipped {path}: {reason}", tty))


@kb_app.command("rm", help="Delete a knowledge base (its index only; your files stay).")
def rm(name: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    from aigc_cli.kb import index

    index.remove(name)
    _say(f"removed knowledge base {name!r}")


@kb_app.command("forget", help="Drop a file or folder (and what was indexed from it) from a base.")
def forget(path: Annotated[str, typer.Argument(metavar="PATH")], name: Base = "notes") -> None:
    from aigc_cli.errors import UsageError
    from aigc_cli.kb.index import KnowledgeBase

    target = str(Path(path).expanduser().resolve())
    with KnowledgeBase.open(name) as kb:
        known = target in kb.roots() or any(target.startswith(r.rstrip("/") + "/") for r in kb.roots())
        dropped = kb.forget(target)
    if not known and not dropped:
        raise UsageError(f"{path} is not in knowledge base {name!r}")
    _say(f"kb {name}: forgot {target} ({dropped} file{'s' if dropped != 1 else ''})")


@kb_app.command("search", help="The best passages for a query: path, lines, score, snippet.")
def search(
    query: Annotated[list[str], typer.Argument(metavar="QUERY...", help="What to look for.")],
    name: Base = "notes",
    k: Annotated[int, typer.Option("-n", "--limit", min=1, help="How many passages.")] = 5,
    as_json: AsJson = False,
) -> None:
    from dataclasses import asdict

    from aigc_cli.cli.common import print_json
    from aigc_cli.kb.retrieve import find

    notices: list[str] = []
    passages = find(" ".join(query), name, k, notices=notices)
    for note in notices:
        _say(note)
    if as_json:
        print_json([asdict(p) for p in passages])
        return
    if not passages:  # as `history search`: nothing found is an answer, not a failure (exit 0)
        _say(f"nothing in kb {name} matches")
        return
    from aigc_cli.termsafe import for_terminal

    tty = sys.stdout.isatty()  # a file's text (and name) never reaches a terminal raw; a pipe gets it exact
    for n, p in enumerate(passages, 1):
        heading = f"  ({p.heading})" if p.heading else ""
        score = f"bm25 {p.score:.2f}" if p.score_kind == "bm25" else f"score {p.score:.4f}"
        print(for_terminal(f"[{n}] {p.path}:{p.start_line}-{p.end_line}  {score}{heading}", tty))
        print(for_terminal(f"    {p.snippet}", tty))
        if p.also:
            print(for_terminal(f"    also in {', '.join(p.also)}", tty))
