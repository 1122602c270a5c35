"""`aigc history ...`: list, show, search, retitle, remove, prune, export, import.

Fast by construction: these commands import only the store (sqlite3, no
pydantic, no backends). On a terminal, tables and Markdown come from rich;
on a pipe the output is plain text.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from aigc_cli.cli.when import parse_age, parse_when
from aigc_cli.cli.complete_values import complete_conversations, complete_models, complete_recipes

if TYPE_CHECKING:
    from aigc_cli.store.db import Conversation, Store

history_app = typer.Typer(help="Find, show, export and remove stored conversations.", no_args_is_help=True)

Limit = Annotated[int, typer.Option("--limit", "-n", min=1, help="How many to show.")]
AsJson = Annotated[bool, typer.Option("--json", help="As JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(history_app, name="history")


# ------------------------------------------------------------ helpers


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
    model: Annotated[
        Optional[str], typer.Option("--model", "-m", help="Only this model.", autocompletion=complete_models)
    ] = None,
    recipe: Annotated[
        Optional[str], typer.Option("--recipe", "-r", help="Only this recipe.", autocompletion=complete_recipes)
    ] = None,
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

        _emit_json(
            [
                {
                    "id": c.id,
                    "title": c.title,
                    "updated": iso(c.updated),
                    "messages": c.message_count,
                    "backend": c.backend,
                    "model": c.model,
                    "recipe": c.recipe,
                }
                for c in convs
            ]
        )
    elif _tty():
        _list_table(convs)
    else:
        for c in convs:
            print(f"{c.id}  {_stamp(c.updated)}  {c.message_count:>4}  {c.model or '-':<20}  {c.title}")
        if not convs:  # stdout stays empty for scripts; a person learns why
            print(
                "no conversations yet"
                if since_ts is None and until_ts is None and not (model or recipe)
                else "no conversations match",
                file=sys.stderr,
            )


def _list_table(convs: list["Conversation"]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for col in ("id", "updated", "msgs", "model", "recipe", "title"):
        table.add_column(col, justify="right" if col == "msgs" else "left", no_wrap=col != "title")
    from aigc_cli.termsafe import visible

    for c in convs:  # titles and names may come from an import or a model: never raw on a terminal
        table.add_row(
            c.id,
            _stamp(c.updated),
            str(c.message_count),
            visible(c.model or ""),
            visible(c.recipe or ""),
            visible(c.title),
        )
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
def show_cmd(
    conversation_id: Annotated[str, typer.Argument(metavar="ID", autocompletion=complete_conversations)],
    as_json: AsJson = False,
) -> None:
    from aigc_cli.memory.store import used_in
    from aigc_cli.store.io import conversation_json, conversation_markdown

    from aigc_cli.shellcmd.record import lookup

    with _require_store() as store:
        conv = store.resolve(conversation_id)
        messages = store.messages(conv.id)
        used = used_in(store, conv.id)  # the memories each turn was sent
        from aigc_cli.store.toolcalls import for_conversation

        calls = for_conversation(store, conv.id)  # the tool calls behind each answer
        from aigc_cli.store.attachments import for_messages, listed

        attached = for_messages(store, [m.id for m in messages if m.role == "user"])  # what each question attached
    ran = lookup(conv.id) if conv.recipe == "cmd" else None  # `aigc cmd`: what became of the command
    if as_json:
        data = conversation_json(conv, messages, used=used)
        for m, out in zip(messages, data["messages"], strict=True):
            if m.id in calls:
                out["tool_calls"] = [r.to_json() for r in calls[m.id]]
            if m.id in attached:
                out["attachments"] = listed(attached[m.id])
        _emit_json({**data, **({"command": ran.to_json()} if ran else {})})
        return
    text = conversation_markdown(conv, messages, used, calls, attached) + (ran.to_markdown() if ran else "")
    if _tty():
        from rich.console import Console
        from rich.markdown import Markdown

        from aigc_cli.termsafe import visible

        Console().print(Markdown(visible(text), hyperlinks=False))  # stored answers may hold escape sequences
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
        _emit_json(
            [
                {
                    "id": h.conversation_id,
                    "title": h.title,
                    "role": h.role,
                    "message_id": h.message_id,
                    "snippet": h.snippet.replace(HL_START, "").replace(HL_END, ""),
                }
                for h in hits
            ]
        )
        return
    if _tty():
        from rich.console import Console
        from rich.markup import escape

        from aigc_cli.termsafe import visible

        console = Console(highlight=False)
        for h in hits:
            snippet = visible(escape(h.snippet).replace(HL_START, "[bold yellow]").replace(HL_END, "[/]"))
            console.print(f"[cyan]{h.conversation_id}[/]  {_stamp(h.updated)}  [bold]{visible(escape(h.title))}[/]")
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
    conversation_id: Annotated[str, typer.Argument(metavar="ID", autocompletion=complete_conversations)],
    text: Annotated[list[str], typer.Argument(metavar="TEXT", help="The new title.")],
) -> None:
    with _require_store() as store:
        conv = store.resolve(conversation_id)
        store.set_title(conv.id, " ".join(text))


Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before deleting more than one.")]


def _conversations(n: int) -> str:
    return f"{n} conversation{'s' * (n != 1)}"


def _may_delete(n: int, yes: bool, again: str) -> bool:
    """More than one conversation goes only when the user says so (as `memory clear`).

    On a terminal we ask; without one, ``--yes`` is the only way to say it.
    """
    if n <= 1 or yes:
        return True
    if not sys.stdin.isatty():
        from aigc_cli.errors import UsageError

        raise UsageError(f"refusing to delete {_conversations(n)} without --yes", hint=again)
    return typer.confirm(f"Delete {_conversations(n)}?", default=False, err=True)


@history_app.command("rm", help="Delete conversations (asks first when more than one would go).")
def rm_cmd(
    ids: Annotated[
        list[str],
        typer.Argument(metavar="ID...", help="Ids or unique prefixes.", autocompletion=complete_conversations),
    ],
    yes: Yes = False,
) -> None:
    with _require_store() as store:
        convs = _resolve_all(store, ids)  # all resolved first: a typo deletes nothing
        if not _may_delete(len(convs), yes, f"aigc history rm --yes {' '.join(ids)}"):
            print("nothing deleted", file=sys.stderr)
            return
        store.delete(c.id for c in convs)
    for c in convs:
        print(f"deleted {c.id}  {c.title}", file=sys.stderr)


@history_app.command("prune", help="Delete conversations not updated for a while (asks first).")
def prune_cmd(
    older_than: Annotated[str, typer.Option("--older-than", metavar="AGE", help="An age: 30d, 12h, 2w.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say how many would go.")] = False,
    yes: Yes = False,
) -> None:
    cutoff = time.time() - parse_age(older_than)
    store = _open()
    if store is None:
        print("deleted 0 conversations", file=sys.stderr)
        return
    with store:
        n = len(store.list(None, until=cutoff))
        if dry_run:
            print(f"would delete {_conversations(n)}", file=sys.stderr)
            return
        if not _may_delete(n, yes, f"aigc history prune --older-than {older_than} --yes"):
            print("nothing deleted", file=sys.stderr)
            return
        n = store.prune(cutoff)
    print(f"deleted {_conversations(n)}", file=sys.stderr)


# ------------------------------------------------------------ export / import


@history_app.command("export", help="Export conversations as Markdown or JSON.")
def export_cmd(
    ids: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="[ID...]", help="Ids or unique prefixes.", autocompletion=complete_conversations),
    ] = None,
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
        from aigc_cli.fileio import atomic_write

        atomic_write(output, text, make_parents=False)  # conversations are private: 0600, all or nothing
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
    from aigc_cli.store.importing import import_report, read_import

    from aigc_cli.store.bulk import write_all
    from aigc_cli.store.import_rows import write_imported

    batch = read_import(file)  # read and checked in full before the store is opened
    reported: list[bool] = []

    def report(result: tuple[list, int]) -> None:  # called once committed, before any held signal
        added, skipped = result
        left_out = sum((item.left_out for item in added), batch.left_out)
        print(import_report(len(added), skipped, left_out), file=sys.stderr)
        reported.append(True)

    try:
        with _open(create=True) as store:  # type: ignore[union-attr]
            write_all(store, lambda db: write_imported(db, batch.items), report)
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, SIGTERM/SIGHUP: rolled back unless reported
        if not reported:
            print("aigc: nothing was imported", file=sys.stderr)
        raise
