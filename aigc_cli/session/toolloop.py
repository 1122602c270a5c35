"""The tool loop of one turn: answer with calls -> run them (through the policy) -> send again.

``run_turn`` calls ``run_rounds`` after the first answer; it stays the only
place that drives a backend for a user-visible answer. Each round appends
the assistant's message with its calls and one ``tool`` message per call,
then re-sends, up to ``tools.max_rounds`` (then one last request without
tools, so the model answers with what it has). Every call is recorded (a
``ToolRecord``) for the store, ``--json`` and `history show`.

A call runs in a worker thread while this (main) thread waits, so Ctrl-C or
SIGTERM lands here: the call is told to stop (its subprocess is killed, its
MCP request cancelled), recorded as stopped, and the turn ends interrupted
with what it had. A call that overruns ``tools.timeout`` is abandoned the
same way and the model hears it timed out.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aigc_cli.messages import Answer, GenOptions, Message, ToolCall, Usage
from aigc_cli.tools.base import ToolContext, ToolError, ToolEvent, ToolRecord

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.tools.policy import Gate
    from aigc_cli.tools.registry import Toolset

Generate = Callable[[list[Message], GenOptions], tuple[Answer, BaseException | None]]


@dataclass
class ToolHooks:
    """What the CLI hands the core for tools: the approval question, the ``yes`` check, the call line.

    All optional: with no approver (no terminal) every ``ask`` is refused.
    """

    approver: Any = None  # tools.base.Approver
    confirm: Callable[[str], bool] | None = None
    on_event: Callable[[ToolEvent], None] | None = None
    gate: "Gate | None" = None  # kept across a chat's turns (what `a` allowed)


@dataclass
class ToolTurn:
    """One turn's tools and what happened to them."""

    toolset: "Toolset"
    gate: "Gate"
    settings: "Settings"
    hooks: ToolHooks
    tainted: bool = False  # the turn has taken in content the user did not type
    sent: str = ""  # what the user sent this turn: words an open-world call may pass on (tools/policy.py)
    records: list[ToolRecord] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def run_rounds(
    tt: ToolTurn,
    answer: Answer,
    messages: list[Message],
    options: GenOptions,
    backend: "Backend",
    generate: Generate,
) -> tuple[Answer, BaseException | None, list[Message]]:
    """Run the answer's calls and re-send until an answer has none (or a limit is hit)."""
    limits = tt.settings.tools
    started, rounds = time.monotonic(), 0
    while answer.tool_calls and not answer.interrupted:
        if rounds >= limits.max_rounds or time.monotonic() - started > limits.turn_timeout:
            tt.notices.append(f"tool limit reached ({rounds} rounds); the model answered without more calls")
            options = options.model_copy(update={"tools": None})
            messages = [
                *messages,
                Message(role="assistant", content=answer.text or "(tool limit reached)"),
                Message(role="user", content="No more tool calls are possible. Answer with what you have."),
            ]
        else:
            rounds += 1
            stopped = _one_round(tt, answer, messages, rounds, backend)
            if stopped is not None:
                return answer, stopped, messages
        before = answer.usage
        answer, error = generate(_fitted(tt, messages, options, backend), options)
        answer.usage = _sum(before, answer.usage)
        if error is not None or options.tools is None:
            return answer, error, messages
    return answer, None, messages


def _fitted(tt: ToolTurn, messages: list[Message], options: GenOptions, backend: "Backend") -> list[Message]:
    """The next request, its tool results cut if the rounds outgrew the window (the store keeps them whole)."""
    from aigc_cli.context.rounds import fit_tool_results

    fitted, cut = fit_tool_results(messages, backend, options, tt.settings)
    note = "tool results cut to fit the context window"
    if cut and note not in tt.notices:
        tt.notices.append(note)
    return fitted


def _one_round(
    tt: ToolTurn, answer: Answer, messages: list[Message], round_no: int, backend: "Backend"
) -> BaseException | None:
    """Append the calls and their results to ``messages``; what stopped the turn (Ctrl-C), if anything."""
    messages.append(Message(role="assistant", content=answer.text, tool_calls=list(answer.tool_calls)))
    for call in answer.tool_calls:
        rec = ToolRecord(call_id=call.id, name=call.name, arguments=call.arguments, round=round_no, preface=answer.text)
        stopped = _call(tt, call, rec, backend)
        tt.records.append(rec)
        content = rec.result if rec.error is None else f"error: {rec.error}"
        messages.append(Message(role="tool", tool_call_id=call.id, content=content or ""))
        if tt.hooks.on_event is not None:
            tt.hooks.on_event(
                ToolEvent(
                    name=rec.name,
                    summary=_summary(rec.arguments),
                    duration=rec.duration,
                    size=len((rec.result or "").encode()),
                    decision=rec.decision,
                    error=rec.error,
                )
            )
        if stopped is not None:
            return stopped
    return None


def _call(tt: ToolTurn, call: ToolCall, rec: ToolRecord, backend: "Backend") -> BaseException | None:
    """Check, decide and run one call, filling ``rec``; Ctrl-C/SIGTERM is returned, not raised."""
    tool = tt.toolset.tools.get(call.name)
    if tool is None:
        rec.decision, rec.error = "error", f"unknown tool {call.name!r}; the tools are: {', '.join(tt.toolset.tools)}"
        return None
    args, problem = _arguments(call.arguments, tool.parameters)
    if problem is not None:
        rec.decision, rec.error = "error", problem
        return None
    decision, why = tt.gate.decide(tool, args, tt.tainted, tt.sent)
    rec.decision = decision
    if decision in ("refused", "denied"):
        rec.error = why + " (the call was not made; go on without it)"
        return None
    if tool.outside:
        tt.tainted = True  # from here on, the turn has read what the user did not type
    ctx = ToolContext(settings=tt.settings, cwd=os.getcwd(), timeout=tt.settings.tools.timeout,
                      confirm=tt.hooks.confirm, tainted=tt.tainted)  # fmt: skip
    t0 = time.monotonic()
    try:
        result = _run_in_thread(tool.run, args, ctx)
        rec.result = cap(result, tt.settings.tools.result_tokens, backend)
    except ToolError as exc:
        rec.error = str(exc)
    except (KeyboardInterrupt, SystemExit) as exc:
        ctx.cancel.set()
        rec.error = "stopped by the user"
        return exc
    except Exception as exc:  # noqa: BLE001 - a tool's bug goes back to the model, never a crash
        rec.error = f"{type(exc).__name__}: {exc}"
    finally:
        rec.duration = round(time.monotonic() - t0, 3)
    return None


def _run_in_thread(fn: Callable[[dict[str, Any], ToolContext], str], args: dict[str, Any], ctx: ToolContext) -> str:
    """``fn(args, ctx)`` in a worker; the main thread waits (and so receives Ctrl-C) up to the timeout."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = fn(args, ctx)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True, name="aigc-tool")
    worker.start()
    deadline = time.monotonic() + ctx.timeout + 1.0  # the tool's own timeout fires first when it has one
    try:
        while worker.is_alive():
            worker.join(0.05)
            if time.monotonic() > deadline:
                ctx.cancel.set()
                raise ToolError(f"timed out after {ctx.timeout:g} s")
    except BaseException:
        ctx.cancel.set()
        worker.join(2.0)  # give it a moment to kill its subprocess
        raise
    if "error" in box:
        raise box["error"]
    return str(box.get("result", ""))


def _arguments(raw: str, schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The parsed arguments, or why they do not fit the tool's schema (told to the model)."""
    try:
        args = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        return {}, f"the arguments are not valid JSON ({exc.msg}); send a JSON object"
    if not isinstance(args, dict):
        return {}, "the arguments must be a JSON object"
    validator = _validator(schema)
    if validator is not None:
        error = next(iter(validator.iter_errors(args)), None)
        if error is not None:
            return {}, f"the arguments do not fit the tool's schema: {error.message}"
    return args, None


_VALIDATORS: dict[str, Any] = {}


def _validator(schema: dict[str, Any]) -> Any:
    """A checked validator per schema, made once (checking a schema costs more than using it);
    None for a server's broken schema, which is not the model's fault."""
    key = json.dumps(schema, sort_keys=True, default=str)
    if key not in _VALIDATORS:
        import jsonschema

        cls = jsonschema.validators.validator_for(schema)
        try:
            cls.check_schema(schema)
            _VALIDATORS[key] = cls(schema)
        except jsonschema.SchemaError:
            _VALIDATORS[key] = None
    return _VALIDATORS[key]


def cap(text: str, max_tokens: int, backend: "Backend") -> str:
    """``text`` cut to about ``max_tokens`` tokens, with a note saying it was cut."""
    if len(text) <= max_tokens:  # a token is at least one character
        return text
    cut = text[: max_tokens * 4]
    tokens = backend.count_text(cut)
    if tokens > max_tokens:
        cut = cut[: int(len(cut) * max_tokens / tokens * 0.95)]
    if len(cut) == len(text):
        return text
    return cut + f"\n\n[cut by aigc: the result was {len(text)} characters; only the first {len(cut)} are shown]"


def _summary(arguments: str) -> str:
    """The call's main argument for its one line: ``fetch https://…``."""
    try:
        args = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return arguments[:60]
    if isinstance(args, dict) and args:
        first = str(next(iter(args.values())))
        return " ".join(first.split())[:80]
    return ""


def _sum(a: Usage | None, b: Usage | None) -> Usage | None:
    if a is None or b is None:
        return b or a
    return Usage(prompt_tokens=a.prompt_tokens + b.prompt_tokens,
                 completion_tokens=a.completion_tokens + b.completion_tokens)  # fmt: skip


# ------------------------------------------------------- run_turn's hooks


def prepare(
    req: Any, settings: "Settings", backend: "Backend", model: str, history: Sequence[Message] = ()
) -> ToolTurn | None:
    """The turn's tools (``-T``, else ``tools.default``; none with ``--no-tools``), or None.

    A backend or model that cannot call tools, asked for tools, is a UsageError
    (exit 2) before anything is sent; so is an unknown tool name.
    """
    from aigc_cli.errors import UsageError
    from aigc_cli.tools.policy import Gate
    from aigc_cli.tools.registry import resolve

    if req.no_tools:
        return None
    toolset = req.toolset
    if toolset is None:
        names = (
            req.tools
            if req.tools is not None
            else (settings.tools.default if req.options.json_schema is None and req.completion is None else [])
        )
        if not names:
            return None
        if not backend.supports_tools(model):
            raise UsageError(
                f"the {backend.name} backend cannot call tools with {model}",
                hint="use a model that supports tools, or drop -T / use --no-tools",
            )
        toolset = resolve(names, settings)
        toolset.owned = True
    elif not toolset.tools:
        return None
    elif not backend.supports_tools(model):
        raise UsageError(f"the {backend.name} backend cannot call tools with {model}", hint="/tool to turn tools off")
    hooks = req.tool_hooks or ToolHooks()
    gate = hooks.gate or Gate(settings, approver=hooks.approver)
    # piped input, --file text, --kb passages and attachments are all text the user did not type;
    # so are earlier turns' tool results, which the history re-sends
    tainted = bool(req.outside_input or req.kb or getattr(req, "attached", None))
    tainted = tainted or any(m.role == "tool" for m in history)
    return ToolTurn(toolset=toolset, gate=gate, settings=settings, hooks=hooks, tainted=tainted,
                    sent=req.prompt, notices=list(toolset.notices))  # fmt: skip


def finish(tt: ToolTurn | None, store: Any, message_id: int | None) -> list[dict[str, Any]] | None:
    """Store the turn's calls with its answer (when it is logged); the calls for ``--json``."""
    if tt is None:
        return None
    if store is not None and message_id:
        from aigc_cli.store.toolcalls import save

        save(store, message_id, tt.records)
    return [r.to_json() for r in tt.records]


def close(tt: ToolTurn | None) -> None:
    """Stop the MCP servers this turn started (a chat's own toolset stays up)."""
    if tt is not None and tt.toolset.owned:
        tt.toolset.close()
