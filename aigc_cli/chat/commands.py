"""Slash commands of `aigc chat`: parsing, the command table, and what each does.

Handlers change the ``ChatState`` and return an ``Outcome`` (lines to show,
maybe a prompt to send or turns to replay); they never print or touch the
terminal, so the REPL decides how things look and this module stays free of
UI libraries. Anything starting with ``/`` is a command: a mistyped one gets
a hint instead of being sent to the model (``//text`` sends ``/text``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigc_cli.chat import state as rs
from aigc_cli.chat.setup import (
    apply_recipe,
    export_text,
    model_names,
    recipe_names,
    recipe_notices,
    recipes_system,
    save_recipe,
)
from aigc_cli.errors import AigcError
from aigc_cli.messages import Message


@dataclass
class Outcome:
    """What a command wants the REPL to do next."""

    lines: list[str] = field(default_factory=list)
    error: bool = False
    send: str | None = None
    show: list[Message] | None = None
    exit: bool = False


Handler = Callable[[rs.ChatState, str], Outcome]


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    help: str
    handler: Handler


COMMANDS: dict[str, Command] = {}


def command(name: str, args: str, help: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = Command(name, args, help, fn)
        return fn

    return register


def fail(text: str) -> Outcome:
    return Outcome(lines=[text], error=True)


def is_command(text: str) -> bool:
    """Lines starting with one ``/`` are commands; ``//`` escapes a literal slash."""
    return text.startswith("/") and not text.startswith("//")


def unescape(text: str) -> str:
    return text[1:] if text.startswith("//") else text


def dispatch(state: rs.ChatState, line: str) -> Outcome:
    """Run one slash command line; errors become a red line, never a crash."""
    name, _, arg = line.strip()[1:].partition(" ")
    cmd = COMMANDS.get(name.lower()) or COMMANDS.get(ALIASES.get(name.lower(), ""))
    if cmd is None:
        return fail(_unknown_hint(name))
    try:
        return cmd.handler(state, arg.strip())
    except AigcError as exc:
        return fail(exc.message + (f"  ({exc.hint})" if exc.hint else ""))


ALIASES = {"quit": "exit", "q": "exit", "h": "help", "?": "help", "clear": "new"}


def _unknown_hint(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name.lower(), list(COMMANDS), n=1)
    maybe = f" Did you mean /{close[0]}?" if close else ""
    return f"Unknown command /{name}.{maybe} Type /help for the list; start with // to send a literal /."


def completions(text_before_cursor: str, state: rs.ChatState | None = None) -> list[tuple[str, str]]:
    """(word, description) pairs completing the command or its argument."""
    if not is_command(text_before_cursor):
        return []
    head, space, arg = text_before_cursor[1:].partition(" ")
    if not space:
        return [(f"/{c.name}", c.help) for c in COMMANDS.values() if c.name.startswith(head.lower())]
    return [(w, meta) for w, meta in argument_choices(head.lower(), state) if w.startswith(arg)]


def argument_choices(name: str, state: rs.ChatState | None) -> list[tuple[str, str]]:
    """Values worth offering after a command: backends, recipes, models, conversations."""
    try:
        if name == "backend":
            from aigc_cli.backends import available

            return [(b, "") for b in available()]
        if name == "recipe":
            return [(r, "") for r in recipe_names()]
        if name == "load":
            return [(c.id, c.title) for c in rs.recent_conversations(20)]
        if name == "model" and state is not None:
            return [(m, "") for m in model_names(state)]
    except Exception:  # noqa: BLE001 - completion must never break typing
        return []
    return []


# --------------------------------------------------------------- the commands


@command("help", "", "show the commands and keys")
def _help(state: rs.ChatState, arg: str) -> Outcome:
    width = max(len(c.name) + len(c.args) for c in COMMANDS.values()) + 3
    lines = [f"  /{(c.name + ' ' + c.args).strip():<{width}} {c.help}" for c in COMMANDS.values()]
    keys = [
        "",
        '  Enter sends · Alt-Enter (or Esc Enter) adds a line · """ starts and ends a block',
        "  Ctrl-C stops an answer or clears the line · Ctrl-D leaves · Up/Down and Ctrl-R: input history",
    ]
    return Outcome(lines=lines + keys)


@command("attach", "PATH|URL", "attach an image, PDF, web page, audio or text file to the next message (alone: list)")
def _attach(state: rs.ChatState, arg: str) -> Outcome:
    from aigc_cli.attachments.model import Loaded, line

    if not arg:
        items = state.attached.items if state.attached else []
        if not items:
            return Outcome(lines=["Nothing attached. /attach PATH|URL adds a file or page to your next message."])
        return Outcome(lines=[line(a) for a in items] + ["", "They go with your next message; /detach drops them."])
    from aigc_cli.session.attach import load_specs

    spec = arg.strip().strip("'\"")
    spec = spec if spec.lower().startswith(("http://", "https://")) else str(Path(spec).expanduser())
    loaded = load_specs([spec], state.settings, backend=state.backend_name, model_path=state.model_path)
    state.attached = Loaded(items=[*(state.attached.items if state.attached else []), *loaded.items])
    return Outcome(lines=[f"{line(a)} (goes with your next message)" for a in loaded.items])


@command("detach", "", "drop what /attach added, before it is sent")
def _detach(state: rs.ChatState, arg: str) -> Outcome:
    count = len(state.attached.items) if state.attached else 0
    state.attached = None
    return Outcome(lines=[f"Dropped {count} attachment(s)." if count else "Nothing was attached."])


@command("new", "", "start a new conversation")
def _new(state: rs.ChatState, arg: str) -> Outcome:
    rs.new_conversation(state)
    return Outcome(lines=["New conversation."])


@command("model", "NAME", "switch the model (no name: show it)")
def _model(state: rs.ChatState, arg: str) -> Outcome:
    if not arg:
        return Outcome(lines=[f"Model: {state.model_name()} ({state.backend_name})"])
    state.model = arg
    return Outcome(lines=[f"Model: {arg}"])


@command("backend", "NAME", "switch the backend: openai, local, …")
def _backend(state: rs.ChatState, arg: str) -> Outcome:
    from aigc_cli.backends import available

    if not arg:
        return Outcome(lines=[f"Backend: {state.backend_name} (available: {', '.join(available())})"])
    if arg not in available():
        return fail(f"Unknown backend {arg!r}; choose one of: {', '.join(available())}")
    state.backend_name, state.model = arg, None
    state.backend  # noqa: B018 - make it now, so a broken backend is reported here
    return Outcome(lines=[f"Backend: {arg}, model {state.model_name()}"])


@command("system", "TEXT", "set the system prompt (no text: show it; '-' clears)")
def _system(state: rs.ChatState, arg: str) -> Outcome:
    if not arg:
        return Outcome(lines=[f"System prompt: {state.system or '(none)'}"])
    state.system = None if arg == "-" else arg
    return Outcome(lines=["System prompt cleared." if state.system is None else "System prompt set."])


@command("recipe", "NAME [key=value…]", "chat through a recipe (its system prompt, template, model); '-' stops")
def _recipe(state: rs.ChatState, arg: str) -> Outcome:
    if not arg:
        return Outcome(lines=[f"Recipe: {state.recipe or '(none)'}; available: {', '.join(recipe_names())}"])
    name, *sets = arg.split()
    if name == "-":
        if state.recipe_obj is not None and state.system == recipes_system(state):
            state.system = None
        state.recipe, state.recipe_obj, state.recipe_values = None, None, {}
        return Outcome(lines=["Recipe off: messages are sent as typed, with no system prompt from it."])
    recipe = apply_recipe(state, name, sets)
    return Outcome(
        lines=[f"Recipe {name}: {recipe.description or 'loaded'} (model {state.model_name()})", *recipe_notices(state)]
    )


@command("kb", "NAME", "answer from a knowledge base, citing it (no name: show it; '-' stops)")
def _kb(state: rs.ChatState, arg: str) -> Outcome:
    if not arg:
        return Outcome(lines=[f"Knowledge base: {state.kb or '(none)'}"])
    if arg == "-":
        state.kb = None
        return Outcome(lines=["Knowledge base off."])
    from aigc_cli.kb.index import KnowledgeBase

    with KnowledgeBase.open(arg) as kb:  # an unknown name fails here, with the known ones
        info = kb.info()
    state.kb = arg
    return Outcome(lines=[f"Knowledge base {arg}: {info.files} files, {info.chunks} passages; answers cite them."])


@command("tools", "", "the tools the model may call now")
def _tools(state: rs.ChatState, arg: str) -> Outcome:
    from aigc_cli.chat.tools import ChatTools

    state.tools = state.tools or ChatTools()
    return Outcome(lines=state.tools.lines(state.settings))


@command("tool", "NAME", "turn a tool on or off (a built-in, an MCP server, or server:tool)")
def _tool(state: rs.ChatState, arg: str) -> Outcome:
    from aigc_cli.chat.tools import ChatTools

    if not arg:
        return fail("/tool NAME (see /tools and `aigc tools list`)")
    if state.tools is None:  # a chat started without the terminal's hooks: every `ask` is refused
        state.tools = ChatTools()
    return Outcome(lines=[state.tools.toggle(arg.strip(), state.settings)])


@command("history", "", "recent conversations")
def _history(state: rs.ChatState, arg: str) -> Outcome:
    rows = rs.recent_conversations(10)
    if not rows:
        return Outcome(lines=["No conversations yet."])
    return Outcome(lines=[_conversation_line(c, state.cid) for c in rows] + ["", "/load ID resumes one."])


def _conversation_line(conv: Any, current: str | None) -> str:
    import time

    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(conv.updated))
    mark = "*" if conv.id == current else " "
    return f" {mark}{conv.id[:8]}  {when}  {conv.message_count:>3} msgs  {conv.title}"


@command("load", "ID", "resume a stored conversation")
def _load(state: rs.ChatState, arg: str) -> Outcome:
    if not arg:
        return fail("Usage: /load ID (see /history)")
    conv = rs.find_conversation(arg)
    if conv is None:
        return fail(f"No conversation {arg!r}; see /history.")
    shown = rs.adopt(state, conv)
    return Outcome(lines=[f"Resumed conversation {conv.id[:8]}: {conv.title}"], show=shown)


@command("retry", "", "regenerate the last answer (or resend a failed prompt)")
def _retry(state: rs.ChatState, arg: str) -> Outcome:
    if state.failed_prompt is not None:
        if state.failed_partial:  # a stream cut mid-answer: replace it, don't add to it
            rs.undo(state)
        return Outcome(send=state.failed_prompt)
    prompt = rs.undo(state)
    if prompt is None:
        return fail("Nothing to retry yet.")
    return Outcome(send=prompt)


@command("undo", "", "drop the last question and answer")
def _undo(state: rs.ChatState, arg: str) -> Outcome:
    state.failed_prompt = None
    prompt = rs.undo(state)
    if prompt is None:
        return fail("Nothing to undo.")
    state.context_used = rs.count_context(state)
    short = prompt if len(prompt) <= 50 else prompt[:49] + "…"
    return Outcome(lines=[f"Dropped the last exchange ({short!r})."])


@command("speak", "", "read answers aloud as they stream (again: stop)")
def _speak(state: rs.ChatState, arg: str) -> Outcome:
    state.speak = not state.speak
    return Outcome(lines=["Answers will be read aloud." if state.speak else "Answers are no longer read aloud."])


@command("tokens", "", "tokens used, the context window, cost so far")
def _tokens(state: rs.ChatState, arg: str) -> Outcome:
    sp = state.spend
    window = state.context_window()
    used = state.context_used
    pct = f" ({100 * used / window:.1f}%)" if window else ""
    if not (sp.prompt_tokens or sp.completion_tokens):
        cost = "$0 (nothing sent yet)"
    else:
        cost = f"${sp.cost:.4f}" if sp.priced else "unknown (no prices for this model; see `aigc models list`)"
    return Outcome(
        lines=[
            f"Context: {used:,} of {window:,} tokens{pct}" if window else f"Context: {used:,} tokens",
            f"This session: {sp.prompt_tokens:,} prompt + {sp.completion_tokens:,} answer tokens",
            f"Cost so far: {cost}",
        ]
    )


@command("save", "NAME [--force]", "save this setup (system prompt, backend, model) as a recipe")
def _save(state: rs.ChatState, arg: str) -> Outcome:
    name, *flags = arg.split() or [""]
    if not name or flags not in ([], ["--force"]):
        return fail("Usage: /save NAME  (add --force to replace an existing recipe)")
    path = save_recipe(name, state, overwrite=bool(flags))
    return Outcome(lines=[f"Saved recipe {name!r} ({path}); use it with /recipe {name} or `aigc run {name}`."])


@command("export", "PATH", "write this conversation to a Markdown (or .json) file")
def _export(state: rs.ChatState, arg: str) -> Outcome:
    if not arg:
        return fail("Usage: /export PATH")
    if not rs.transcript(state):
        return fail("Nothing to export yet.")
    path = Path(arg).expanduser()
    text, count = export_text(state, json_format=path.suffix.lower() == ".json")
    from aigc_cli.errors import AigcError
    from aigc_cli.fileio import atomic_write

    try:
        atomic_write(path, text, make_parents=False)  # private (0600), all or nothing
    except AigcError as exc:  # "cannot write PATH: why", a full disk, a read-only folder
        return fail(exc.message[:1].upper() + exc.message[1:])
    return Outcome(lines=[f"Wrote {count} messages to {path}."])


@command("remember", "TEXT", "remember something about you, for every task from now on")
def _remember(state: rs.ChatState, arg: str) -> Outcome:
    if not arg:
        return fail("Usage: /remember TEXT  (e.g. /remember I prefer answers in German)")
    from aigc_cli.memory import store as ms
    from aigc_cli.store.db import Store

    with Store.open() as db:  # type: ignore[union-attr]
        added = ms.add(db, [arg], "chat")
    if not added:
        return Outcome(lines=["Already remembered."])
    return Outcome(lines=[f"Remembered [{added[0].id}] {added[0].text}"])


@command("memory", "", "what aigc remembers about you")
def _memory(state: rs.ChatState, arg: str) -> Outcome:
    from aigc_cli.memory import store as ms
    from aigc_cli.store.db import Store

    with Store.open() as db:  # type: ignore[union-attr]
        memories = ms.all_memories(db)
    if not memories:
        return Outcome(lines=["No memories yet; /remember TEXT adds one."])
    lines = [f"  [{m.id}]{'*' if m.pinned else ' '} {m.text}" for m in memories]
    off = "" if state.use_memories and state.settings.memory.enabled else " (not sent in this chat)"
    return Outcome(lines=lines + ["", f"/forget ID removes one; * is pinned{off}."])


@command("forget", "ID", "forget a memory (see /memory)")
def _forget(state: rs.ChatState, arg: str) -> Outcome:
    if not arg:
        return fail("Usage: /forget ID  (see /memory)")
    from aigc_cli.memory import store as ms
    from aigc_cli.store.db import Store

    with Store.open() as db:  # type: ignore[union-attr]
        found = ms.resolve(db, arg.split())
        ms.remove(db, [m.id for m in found])
    return Outcome(lines=[f"Forgot [{m.id}] {m.text}" for m in found])


@command("exit", "", "leave the chat (or Ctrl-D)")
def _exit(state: rs.ChatState, arg: str) -> Outcome:
    return Outcome(exit=True)
