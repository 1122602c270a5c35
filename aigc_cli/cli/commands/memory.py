"""`aigc memory ...`: what aigc remembers about you, under your control.

Thin: each command parses its flags, makes one call into ``aigc_cli.memory``
and prints. Like `history`, these commands import only the store (no
pydantic, no backends) unless they talk to a model (`suggest`).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from aigc_cli.cli.complete_values import complete_backends, complete_models

if TYPE_CHECKING:
    from aigc_cli.memory.store import Memory
    from aigc_cli.store.db import Store

memory_app = typer.Typer(
    help="What aigc remembers about you: added to every task's system prompt (--no-memory skips it).",
    no_args_is_help=True,
)

MEMORY_STDIN_BYTES = 1 << 20  # `memory add` reads facts, one a line, not documents
Ids = Annotated[list[str], typer.Argument(metavar="ID...", help="Memory ids (see `aigc memory list`).")]


def register(app: typer.Typer) -> None:
    app.add_typer(memory_app, name="memory")


def _open() -> "Store":
    from aigc_cli.store.db import Store

    return Store.open()  # type: ignore[return-value]  # create=True never returns None


def _stored() -> list["Memory"]:
    """Every memory, without creating a store just to find it empty."""
    from aigc_cli.memory import store as ms
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    if store is None:
        return []
    with store:
        return ms.all_memories(store)


def _say(text: str) -> None:
    print(f"aigc: {text}", file=sys.stderr)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _line(m: "Memory") -> str:
    when = time.strftime("%Y-%m-%d", time.localtime(m.created))
    return f"{m.id:>4}  {when}  {m.source:<7}  {'*' if m.pinned else ' '} {m.text}"


@memory_app.command("add", help="Remember something: the words given, or each line of stdin.")
def add_cmd(
    text: Annotated[Optional[list[str]], typer.Argument(metavar="[TEXT]...", help="What to remember.")] = None,
    pin: Annotated[bool, typer.Option("--pin", help="Keep it even when the budget is tight.")] = False,
) -> None:
    from aigc_cli import inputs
    from aigc_cli.errors import UsageError
    from aigc_cli.memory import store as ms

    if text:
        texts = [" ".join(text)]
    else:
        piped = inputs.read_stdin(cap=MEMORY_STDIN_BYTES)
        texts = (piped or "").splitlines()
    if not any(t.strip() for t in texts):
        raise UsageError("nothing to remember", hint='aigc memory add "I answer best in short bullet points"')
    with _open() as store:
        added = ms.add(store, texts, "cli", pinned=pin)
    for m in added:
        _say(f"remembered [{m.id}] {m.text}")
    if not added:
        _say("already remembered")


@memory_app.command("list", help="Every memory: id, when, where it came from, pinned (*), text.")
def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    memories = _stored()
    if as_json:
        from aigc_cli.cli.common import print_json
        from aigc_cli.memory.io import memory_json

        print_json([memory_json(m) for m in memories])
        return
    from aigc_cli.termsafe import for_terminal

    tty = sys.stdout.isatty()  # an imported or suggested memory never reaches a terminal raw
    for m in memories:
        print(for_terminal(_line(m), tty))
    if not memories:
        _say('no memories yet; add one with `aigc memory add "..."`')


@memory_app.command("rm", help="Forget memories; an id that does not exist is named (exit 2).")
def rm_cmd(ids: Ids) -> None:
    from aigc_cli.errors import UsageError
    from aigc_cli.memory import store as ms

    missing: list[str] = []
    with _open() as store:
        found = []
        # a malformed id (not a number) is a typo: it stops everything before anything is forgotten
        ms.resolve(store, [raw for raw in ids if not str(raw).strip().lstrip("#").isdigit()])
        for raw in ids:
            try:
                found += ms.resolve(store, [raw])
            except UsageError:
                missing.append(str(raw).strip().lstrip("#"))
        ms.remove(store, [m.id for m in found])
    for m in found:
        _say(f"forgot [{m.id}] {m.text}")
    if missing:
        raise UsageError(f"no memory with id {', '.join(missing)}", hint="see `aigc memory list`")


@memory_app.command("pin", help="Always keep these memories, even when the budget is tight.")
def pin_cmd(ids: Ids) -> None:
    _pin(ids, True)


@memory_app.command("unpin", help="Let these memories be left out when the budget is tight.")
def unpin_cmd(ids: Ids) -> None:
    _pin(ids, False)


def _pin(ids: list[str], pinned: bool) -> None:
    from aigc_cli.memory import store as ms

    with _open() as store:
        found = ms.resolve(store, ids)
        ms.set_pinned(store, [m.id for m in found], pinned)
    for m in found:
        _say(f"{'pinned' if pinned else 'unpinned'} [{m.id}] {m.text}")


@memory_app.command("clear", help="Forget every memory (asks first on a terminal; --yes in scripts).")
def clear_cmd(yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False) -> None:
    from aigc_cli.errors import UsageError
    from aigc_cli.memory import store as ms

    with _open() as store:
        count = len(ms.all_memories(store))
        if count and not yes:
            if not _interactive():
                raise UsageError("refusing to forget every memory without --yes", hint="aigc memory clear --yes")
            if not typer.confirm(f"Forget all {count} memories?", default=False, err=True):
                _say("nothing forgotten")
                return
        n = ms.clear(store)
    _say(f"forgot {n} memor{'y' if n == 1 else 'ies'}")


@memory_app.command("edit", help="Edit the memories in $EDITOR, one per line; changes apply when you save.")
def edit_cmd() -> None:
    from aigc_cli.memory import edit as me
    from aigc_cli.memory import store as ms

    with _open() as store:
        before = ms.all_memories(store)
        text = _run_editor(me.to_text(before))
        change = me.changes(before, text)
        if change:
            ms.apply_changes(store, change.edits, change.removed, change.added)
    _say(f"memories: {change.summary()}" if change else "no changes")


def _run_editor(text: str) -> str:
    """The text after $VISUAL/$EDITOR saved it (cli/editor.py); a failing editor changes nothing."""
    import os
    import tempfile
    from pathlib import Path

    from aigc_cli.cli.editor import edit

    fd, name = tempfile.mkstemp(prefix="aigc-memories-", suffix=".txt")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        edit(path, "no memory was changed")
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)


@memory_app.command("suggest", help="Ask the model what to remember from recent conversations; you choose.")
def suggest_cmd(
    since: Annotated[str, typer.Option(help="Conversations updated since: an age (7d, 12h) or YYYY-MM-DD.")] = "7d",
    accept: Annotated[bool, typer.Option("--accept", help="Save every proposal without asking.")] = False,
    model: Annotated[
        Optional[str], typer.Option("--model", "-m", help="Model name.", autocompletion=complete_models)
    ] = None,
    backend: Annotated[
        Optional[str], typer.Option("--backend", "-b", help="Backend.", autocompletion=complete_backends)
    ] = None,
) -> None:
    from aigc_cli.cli.when import parse_when
    from aigc_cli.config import load_settings
    from aigc_cli.memory import store as ms
    from aigc_cli.memory.suggest import suggest

    from aigc_cli.session.choose import choose_model, pick_backend

    since_ts = parse_when(since)
    settings = load_settings()
    chosen = pick_backend(settings, backend, None)
    with _open() as store:
        found = suggest(store, settings, since_ts, chosen, choose_model(settings, chosen, model))
        if not found.proposals:
            _say(f"nothing to suggest from {found.messages} messages in {found.conversations} conversations")
            return
        chosen = found.proposals if accept else _choose(found.proposals)
        added = ms.add(store, chosen, "suggest") if chosen else []
    for m in added:
        _say(f"remembered [{m.id}] {m.text}")
    if not accept and not _interactive():
        _say(f"{len(found.proposals)} suggestions, nothing saved: rerun with --accept to save them all")
    elif not added:
        _say("nothing saved")


def _choose(proposals: list[str]) -> list[str]:
    """On a terminal, y/n (or e to edit, q to stop) for each; in a pipe just print them."""
    from aigc_cli.termsafe import for_terminal, visible

    if not _interactive():
        for p in proposals:
            print(for_terminal(p, sys.stdout.isatty()))
        return []
    chosen: list[str] = []
    for i, p in enumerate(proposals, start=1):
        print(f"{i}/{len(proposals)}  {visible(p)}", file=sys.stderr)  # a model's proposal, on the terminal
        answer = typer.prompt("  remember it? [y]es / [n]o / [e]dit / [q]uit", default="n", err=True).strip().lower()
        if answer.startswith("q"):
            break
        if answer.startswith("e"):
            p = typer.prompt("  text", default=p, err=True)
            answer = "y"
        if answer.startswith("y") and p.strip():
            chosen.append(p)
    return chosen


@memory_app.command("export", help="Write every memory as JSON (stdout, or -o FILE).")
def export_cmd(
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    from aigc_cli.memory.io import export_text

    memories = _stored()
    text = export_text(memories)
    if output:
        from aigc_cli.fileio import atomic_write

        atomic_write(output, text, make_parents=False)  # memories are private: 0600, all or nothing
        _say(f"exported {len(memories)} memories to {output}")
    else:
        sys.stdout.write(text)


@memory_app.command("import", help="Add memories from a JSON export ('-' reads stdin); known ones are skipped.")
def import_cmd(file: Annotated[str, typer.Argument(metavar="FILE")]) -> None:
    from aigc_cli import inputs
    from aigc_cli.memory import store as ms
    from aigc_cli.memory.io import parse

    from aigc_cli.errors import BadFile, UsageError

    try:
        text = inputs.read_file(file, "limits.import_bytes")  # '-': stdin
    except UsageError as exc:  # missing, binary, not UTF-8: a bad file to import (exit 3)
        raise BadFile(exc.message, hint=exc.hint) from None
    items = parse(text, "stdin" if file == "-" else file)
    reported: list[bool] = []

    def report(added: list["Memory"]) -> None:  # once committed, before a held signal ends us
        skipped = len(items) - len(added)
        _say(f"imported {len(added)} memories" + (f" ({skipped} already kept)" if skipped else ""))
        reported.append(True)

    try:
        with _open() as store:
            ms.add_many(store, items, "import", on_commit=report)
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, SIGTERM/SIGHUP while writing: all rolled back
        if not reported:
            _say("nothing was imported")
        raise
