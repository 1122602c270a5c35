"""`aigc tokens [FILE...]`: count tokens of files or stdin and estimate the input cost.

OpenAI-style models count with tiktoken, offline (see aigc_cli/tokens.py,
which says when a count is exact, approximate or an estimate); the local
backend counts with the GGUF model's own tokenizer, loading only its
vocabulary. Neither path imports the ``openai`` SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Callable, Optional

import typer

from aigc_cli.cli import options as opt

if TYPE_CHECKING:
    from aigc_cli.config import Settings


def register(app: typer.Typer) -> None:
    app.command("tokens", help="Count tokens of files or stdin and estimate the input cost.")(tokens_cmd)


@dataclass
class Counter:
    """The model being counted for and how (``label`` names the tokenizer)."""

    backend: str
    model: str
    label: str
    count: Callable[[str], int]
    window: int


def _model_for(settings: "Settings", backend: str, flag: str | None) -> str:
    """-m, else the configured model, else the backend's default (as session.choose_model)."""
    if flag:
        return flag
    if settings.model and settings.backend in (None, backend):
        return settings.model
    section = getattr(settings, backend, None)
    return getattr(section, "model", None) or "gpt-4o-mini"


def _backend_of(model: str | None, settings: "Settings") -> str | None:
    """`-m NAME` alone picks how to count: a GGUF file or a local table entry -> local."""
    from aigc_cli import modeltable

    if not model:
        return None
    entry = modeltable.lookup(model, settings)
    return "local" if model.endswith(".gguf") or (entry and entry.backend == "local") else "openai"


def _counter(settings: "Settings", backend_flag: str | None, model_flag: str | None, model_path: str | None) -> Counter:
    from aigc_cli import modeltable, tokens
    from aigc_cli.backends import choose_backend_name

    from aigc_cli.session.choose import backend_flag as flag_for, with_model_path

    settings = with_model_path(settings, model_path)
    backend_flag = flag_for(backend_flag, model_path)
    backend = backend_flag or _backend_of(model_flag, settings) or choose_backend_name(settings)
    if backend == "local":
        from aigc_cli.backends import get_backend

        be = get_backend("local", settings)
        model = model_flag or be.default_model
        window = be.context_window(model)
        return Counter("local", model, "the model's own tokenizer", lambda t: be.count_text(t, model), window)
    model = _model_for(settings, backend, model_flag)
    tok = tokens.tokenizer_for(model)
    return Counter(backend, model, tok.label, tok.count_text, modeltable.window(model, settings))


def _inputs(files: list[str]) -> list[tuple[str, str]]:
    from aigc_cli import inputs
    from aigc_cli.errors import UsageError

    if files:
        return [(f, inputs.read_file(f)) for f in files]
    piped = inputs.read_stdin()
    if piped is None:
        raise UsageError("nothing to count", hint="aigc tokens FILE...  or  cat FILE | aigc tokens")
    return [("(stdin)", piped)]


def tokens_cmd(
    files: Annotated[Optional[list[str]], typer.Argument(help="Files to count; none: stdin.")] = None,
    model: opt.Model = None,
    backend: opt.BackendName = None,
    model_path: opt.ModelPath = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    from aigc_cli import modeltable
    from aigc_cli.config import load_settings

    settings = load_settings()
    counter = _counter(settings, backend, model, model_path)
    counted = [(name, counter.count(text)) for name, text in _inputs(files or [])]
    total = sum(n for _, n in counted)
    entry = modeltable.lookup(counter.model, settings)
    price = 0.0 if counter.backend == "local" else (entry.input_price if entry else None)
    cost = None if price is None else total * price / modeltable.PER
    report = {
        "model": counter.model,
        "backend": counter.backend,
        "tokenizer": counter.label,
        "files": [{"name": name, "tokens": n} for name, n in counted],
        "total": total,
        "input_price": price,
        "input_cost": cost,
        "context_window": counter.window,
        "fits": total <= counter.window,
        "window_known": counter.backend == "local" or entry is not None,
    }
    if as_json:
        from aigc_cli.cli.common import print_json

        print_json(report)
        return
    _print(report)


def _print(r: dict) -> None:
    width = max(len(f"{r['total']:,}"), 6)
    for f in r["files"]:
        print(f"{f['tokens']:>{width},}  {f['name']}")
    if len(r["files"]) > 1:
        print(f"{r['total']:>{width},}  total")
    price = r["input_price"]
    cost = "cost unknown (no price for this model; see `aigc models list`)" if price is None else (
        f"input cost ${r['input_cost']:.6f} at ${price:g}/M tokens"
    )
    fits = "fits" if r["fits"] else "does NOT fit"
    assumed = "" if r["window_known"] else f" (assumed: set models.{r['model']}.context_window)"
    print(
        f"{r['model']} ({r['tokenizer']}) · {cost} · {fits} the {r['context_window']:,}-token window{assumed}"
    )
