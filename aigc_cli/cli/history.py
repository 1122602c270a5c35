"""`aigc history ...`: list, show, search, retitle, remove, prune, export, import.

Fast by construction: these commands import only the store (sqlite3, no
pydantic, no backends). On a terminal, tables and Markdown come from rich;
on a pipe the output is plain text.
"""

from __future__ import annotations

import re
import sys
import time
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from collections import Counter

    from aigc_cli.store.db import Conversation, Store

history_app = typer.Typer(help="Find, show, export and remove stored conversations.", no_args_is_help=True)

Limit = Annotated[int, typer.Option("--limit", "-n", min=1, help="How many to show.")]
AsJson = Annotated[bool, typer.Option("--json", help="As JSON.")]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def register(app: typer.Typer) -> None:
    app.add_typer(history_app, name="history")


# ------------------------------------------------------------ helpers


def parse_age(text: str) -> float:
    """'30d', '12h', '2w', '90m', '45s' -> seconds."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text)
    if not m:
        from aigc_cli.errors import UsageError

        raise UsageError(
            f"bad age or date {text!r}", hint="use a date (2024-05-31) or an age: 30d, 12h, 2w, 90m"
        )
    return int(m.group(1)) * _UNITS[m.group(2)]


def parse_when(text: str) -> float:
    """A date (YYYY-MM-DD, local time) or an age ago ('7d') -> a Unix time."""
    from datetime import datetime

    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").timestamp()
    except ValueError:
        return time.time() - parse_age(text)


def _stamp(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _tty() -> bool:
    from aigc_cli.render import stdout_is_terminal

    return stdout_is_terminal()


def _open(create: bool = False) -> "Store | None":
    from aigc_cli.store.db import Store

    return Store.open(create=create)


def _emit_json(data: object) -> None:
    from aigc_cli.cli.common import print_json

    print_json(data)


# ------------------------------------------------------------ list / show


@history_app.command("list", help="Conversations, newest first.")
def list_cmd(
    limit: Limit = 20,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Only this model.")] = None,
    recipe: Annotated[Optional[str], typer.Option("--recipe", "-r", help="Only this recipe.")] = None,
    since: Annotated[Optional[str], typer.Option(help="Updated since: YYYY-MM-DD or an age like 7d.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Updated before: YYYY-MM-DD or an age like 7d.")] = None,
    as_json: AsJson = False,
) -> None:
    since_ts = parse_when(since) if since else None
    until_ts = parse_when(until) if until else None
    store = _open()
    convs: list[Conversation] = []
    if store is not None:
        with store:
            convs = store.list(limit, model=model, recipe=recipe, since=since_ts, until=until_ts)
    if as_json:
        from aigc_cli.store.io import iso

        _emit_json([
            {"id": c.id, "title": c.title, "updated": iso(c.updated), "messages": c.message_count,
             "backend": c.backend, "model": c.model, "recipe": c.recipe}
            for c in convs
        ])
    elif _tty():
        _list_table(convs)
    else:
        for c in convs:
            print(f"{c.id}  {_stamp(c.updated)}  {c.message_count:>4}  {c.model or '-':<20}  {c.title}")


def _list_table(convs: list["Conversation"]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for col in ("id", "updated", "msgs", "model", "recipe", "title"):
        table.add_column(col, justify="right" if col == "msgs" else "left", no_wrap=col != "title")
    for c in convs:
        table.add_row(c.id, _stamp(c.updated), str(c.message_count), c.model or "", c.recipe or "", c.title)
    Console().print(table if convs else "[dim]no conversations yet[/dim]")


def _resolve_all(store: "Store", ids: list[str]) -> list["Conversation"]:
    return [store.resolve(i) for i in ids]


def _require_store() -> "Store":
    store = _open()
    if store is None:
        from aigc_cli.errors import UsageError

        raise UsageError("no conversations stored yet")
    return store


@history_app.command("show", help="One conversation: Markdown on a terminal, or --json.")
def show_cmd(conversation_id: Annotated[str, typer.Argument(metavar="ID")], as_json: AsJson = False) -> None:
    from aigc_cli.memory.store import used_in
    from aigc_cli.store.io import conversation_json, conversation_markdown

    from aigc_cli.shellcmd.record import lookup

    with _require_store() as store:
        conv = store.resolve(conversation_id)
        messages = store.messages(conv.id)
        used = used_in(store, conv.id)  # the memories each turn was sent
    ran = lookup(conv.id) if conv.recipe == "cmd" else None  # `aigc cmd`: what became of the command
    if as_json:
        _emit_json({**conversation_json(conv, messages, used=used), **({"command": ran.to_json()} if ran else {})})
        return
    text = conversation_markdown(conv, messages, used) + (ran.to_markdown() if ran else "")
    if _tty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)


# ------------------------------------------------------------ search


@history_app.command("search", help="Full-text search (Chinese too), best matches first.")
def search_cmd(
    query: Annotated[list[str], typer.Argument(help="Words to find; every one must match.")],
    limit: Limit = 20,
    as_json: AsJson = False,
) -> None:
    from aigc_cli.store.search import HL_END, HL_START, search

    store = _open()
    hits = []
    if store is not None:
        with store:
            hits = search(store, " ".join(query), limit)
    if as_json:
        _emit_json([
            {"id": h.conversation_id, "title": h.title, "role": h.role, "message_id": h.message_id,
             "snippet": h.snippet.replace(HL_START, "").replace(HL_END, "")}
            for h in hits
        ])
        return
    if _tty():
        from rich.console import Console
        from rich.markup import escape

        console = Console(highlight=False)
        for h in hits:
            snippet = escape(h.snippet).replace(HL_START, "[bold yellow]").replace(HL_END, "[/]")
            console.print(f"[cyan]{h.conversation_id}[/]  {_stamp(h.updated)}  [bold]{escape(h.title)}[/]")
            console.print(f"    {h.role}: {snippet}")
        return
    for h in hits:
        print(f"{h.conversation_id}  {_stamp(h.updated)}  {h.title}")
        print(f"    {h.role}: " + h.snippet.replace(HL_START, "[").replace(HL_END, "]"))
    if not hits:
        print("no matches", file=sys.stderr)


# ------------------------------------------------------------ changes


@history_app.command("title", help="Give a conversation a new title.")
def title_cmd(
    conversation_id: Annotated[str, typer.Argument(metavar="ID")],
    text: Annotated[list[str], typer.Argument(metavar="TEXT", help="The new title.")],
) -> None:
    with _require_store() as store:
        conv = store.resolve(conversation_id)
        store.set_title(conv.id, " ".join(text))


@history_app.command("rm", help="Delete conversations.")
def rm_cmd(ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Ids or unique prefixes.")]) -> None:
    with _require_store() as store:
        convs = _resolve_all(store, ids)  # all resolved first: a typo deletes nothing
        store.delete(c.id for c in convs)
    for c in convs:
        print(f"deleted {c.id}  {c.title}", file=sys.stderr)


@history_app.command("prune", help="Delete conversations not updated for a while.")
def prune_cmd(
    older_than: Annotated[str, typer.Option("--older-than", help="An age: 30d, 12h, 2w.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say how many would go.")] = False,
) -> None:
    cutoff = time.time() - parse_age(older_than)
    store = _open()
    if store is None:
        print("deleted 0 conversations", file=sys.stderr)
        return
    with store:
        if dry_run:
            n = len(store.list(None, until=cutoff))
            print(f"would delete {n} conversation{'s' * (n != 1)}", file=sys.stderr)
            return
        n = store.prune(cutoff)
    print(f"deleted {n} conversation{'s' * (n != 1)}", file=sys.stderr)


# ------------------------------------------------------------ export / import


@history_app.command("export", help="Export conversations as Markdown or JSON.")
def export_cmd(
    ids: Annotated[Optional[list[str]], typer.Argument(metavar="[ID...]", help="Ids or unique prefixes.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every conversation.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    from aigc_cli.errors import UsageError
    from aigc_cli.store.io import export_json, export_markdown

    if fmt not in ("md", "json"):
        raise UsageError(f"unknown format {fmt!r}", hint="use --format md or --format json")
    if bool(ids) == all_:
        raise UsageError("give conversation ids or --all (not both)")
    with _require_store() as store:
        convs = store.list(None)[::-1] if all_ else _resolve_all(store, ids or [])
        if fmt == "json":
            text = export_json(store, convs, _memories_json(store) if all_ else None)
        else:
            text = export_markdown(store, convs) + (_memories_markdown(store) if all_ else "")
    if output:
        from pathlib import Path

        Path(output).write_text(text, encoding="utf-8")
        print(f"exported {len(convs)} conversation{'s' * (len(convs) != 1)} to {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _memories_json(store: "Store") -> list[dict[str, object]]:
    """`export --all` is everything aigc keeps, so the memories go with it."""
    from aigc_cli.memory.io import memory_json
    from aigc_cli.memory.store import all_memories

    return [memory_json(m) for m in all_memories(store)]


def _memories_markdown(store: "Store") -> str:
    from aigc_cli.memory.store import all_memories

    memories = all_memories(store)
    if not memories:
        return ""
    lines = "\n".join(f"- [{m.id}]{' (pinned)' if m.pinned else ''} {m.text}" for m in memories)
    return f"\n---\n\n# Memories\n\n{lines}\n"


@history_app.command(
    "import", help="Import a ChatGPT data export (conversations.json) or an `aigc history export --format json` file."
)
def import_cmd(file: Annotated[str, typer.Argument(metavar="FILE")]) -> None:
    from aigc_cli.store.importing import read_import

    batch = read_import(file)  # read and checked in full before the store is opened
    with _open(create=True) as store:  # type: ignore[union-attr]
        added, skipped = store.import_conversations(batch.items)
    left_out = sum((item.left_out for item in added), batch.left_out)
    print(import_report(len(added), skipped, left_out), file=sys.stderr)


def import_report(added: int, skipped: int, left_out: "Counter[str]") -> str:
    """'imported 3 conversations (1 already imported); skipped 12 tool messages, 2 images'.

    What was left out is counted only for the conversations added now, so a
    second import of the same file says it added nothing and skipped nothing.
    """
    line = f"imported {added} conversation{'s' * (added != 1)}"
    if skipped:
        line += f" ({skipped} already imported)"
    kinds = [(kind, n) for kind, n in sorted(left_out.items()) if n > 0]
    if kinds:
        line += "; skipped " + ", ".join(f"{n} {_singular(kind, n)}" for kind, n in kinds)
    return line


def _singular(kind: str, n: int) -> str:
    """'tool messages' -> 'tool message' for one; 'conversations without text' likewise."""
    if n != 1:
        return kind
    head, _, tail = kind.partition(" without ")
    head = head[:-1] if head.endswith("s") else head
    return f"{head} without {tail}" if tail else head
