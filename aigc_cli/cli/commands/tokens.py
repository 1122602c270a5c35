"""`aigc tokens [FILE...]`: count tokens of files or stdin and estimate the input cost.

The count, the window, the price and the tokenizer's name come from the
Backend contract (``backends.describe``), so a plugin backend gets its own
figures: OpenAI-style models count with tiktoken, offline (see
aigc_cli/tokens.py: exact, approximate or an estimate) through the SDK-free
half of the openai backend; the local backend counts with the GGUF model's
own tokenizer, loading only its vocabulary. No path imports the ``openai`` SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from aigc_cli.cli import options as opt

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings


def register(app: typer.Typer) -> None:
    app.command("tokens", help="Count tokens of files or stdin and estimate the input cost.")(tokens_cmd)


@dataclass
class Counter:
    """The model being counted for and how (``label`` names the tokenizer)."""

    backend: "Backend"
    model: str
    label: str
    count: Callable[[str], int]
    window: int


def _counter(settings: "Settings", backend_flag: str | None, model_flag: str | None, model_path: str | None) -> Counter:
    """The backend's own count, window and tokenizer for the model `ask` would use (or -m)."""
    from aigc_cli.backends import backend_for_model, choose_backend_name, describe
    from aigc_cli.session.choose import backend_flag as flag_for, choose_model, with_model_path

    settings = with_model_path(settings, model_path)
    backend_flag = flag_for(backend_flag, model_path)
    name = backend_flag or (model_flag and backend_for_model(settings, model_flag)) or None
    be = describe(choose_backend_name(settings, name), settings)
    model = choose_model(settings, be, model_flag)
    return Counter(be, model, be.tokenizer_label(model), lambda t: be.count_text(t, model), be.context_window(model))


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
    from aigc_cli.config import load_settings

    settings = load_settings()
    counter = _counter(settings, backend, model, model_path)
    counted = [(name, counter.count(text)) for name, text in _inputs(files or [])]
    total = sum(n for _, n in counted)
    be = counter.backend
    known = be.price(counter.model)
    price = None if known is None else known.input
    cost = None if known is None else known.cost(total, 0)
    report = {
        "model": counter.model,
        "backend": be.name,
        "tokenizer": counter.label,
        "files": [{"name": name, "tokens": n} for name, n in counted],
        "total": total,
        "input_price": price,
        "input_cost": cost,
        "context_window": counter.window,
        "fits": total <= counter.window,
        "window_known": be.window_is_known(counter.model),
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
    cost = (
        "cost unknown (no price for this model; see `aigc models list`)"
        if price is None
        else (f"input cost ${r['input_cost']:.6f} at ${price:g}/M tokens")
    )
    fits = "fits" if r["fits"] else "does NOT fit"
    assumed = "" if r["window_known"] else f" (assumed: set models.{r['model']}.context_window)"
    print(f"{r['model']} ({r['tokenizer']}) · {cost} · {fits} the {r['context_window']:,}-token window{assumed}")
