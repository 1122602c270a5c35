"""A batch job: what the command asked for (the spec), checked before anything is sent.

``prepare`` turns a spec into everything a run needs (the recipe, its checked
values, the items, the backend and model, the output target) or fails with
one line and exit 2/3 before a single request goes out. The job's id is a
hash of the spec, so running the same command again resumes the same job.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from aigc_cli.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.batch.inputs import Item
    from aigc_cli.config import Settings
    from aigc_cli.recipes import Recipe

ASSUMED_OUTPUT_TOKENS = 300  # per item, when the recipe and flags set no max_tokens
BATCH_API_DISCOUNT = 0.5  # OpenAI's Batch API bills half the live price


class BatchSpec(BaseModel):
    """The command line of one job; its JSON (minus run-time knobs) is the job's identity."""

    recipe: str
    values: dict[str, Any] = Field(default_factory=dict)
    inputs: list[str] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list)
    field: str | None = None
    out_dir: str | None = None
    jsonl_out: str | None = None
    backend: str | None = None
    model: str | None = None
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    api: Literal["live", "batch"] = "live"
    log: bool = False
    memory: bool = True

    def job_id(self) -> str:
        """12 hex digits of the spec's hash, with input paths made absolute."""
        data = self.model_dump()
        for key in ("inputs", "lines"):
            data[key] = [os.path.abspath(p) if not set("*?[") & set(p) else p for p in data[key]]
        for key in ("out_dir", "jsonl_out"):
            data[key] = os.path.abspath(data[key]) if data[key] else None
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


@dataclass
class Prepared:
    """A checked spec, ready to run."""

    spec: BatchSpec
    recipe: "Recipe"
    items: list["Item"]
    backend: "Backend"
    model: str
    ext: str
    job_id: str = ""
    notices: list[str] = field(default_factory=list)


@dataclass
class Estimate:
    items: int
    prompt_tokens: int
    output_tokens: int
    cost: float | None  # None: the model's price is unknown
    unreadable: int = 0


def prepare(spec: BatchSpec, settings: "Settings") -> Prepared:
    """Recipe, values, items, backend, model and output checked; nothing sent."""
    from aigc_cli import recipes
    from aigc_cli.batch.inputs import collect
    from aigc_cli.session.choose import choose_model, pick_backend

    if not spec.out_dir and not spec.jsonl_out:
        raise UsageError("say where the outputs go", hint="-o DIR (one file per input) or --jsonl FILE")
    recipe = recipes.get_recipe(spec.recipe)
    recipes.check_values(recipe, spec.values)
    items = collect(spec.inputs, spec.lines, spec.field)
    backend = pick_backend(settings, spec.backend or recipe.backend, None)
    model = choose_model(settings, backend, spec.model or recipe.model)
    _check_writable(spec)
    ext = ".json" if recipe.json_schema else ".md"
    return Prepared(spec, recipe, items, backend, model, ext, job_id=spec.job_id())


def _check_writable(spec: BatchSpec) -> None:
    """The output folder (or the JSONL file's folder) exists or can be made, and takes files."""
    target = Path(spec.out_dir) if spec.out_dir else Path(spec.jsonl_out or ".").resolve().parent
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the output folder {target}: {exc.strerror or exc}") from None
    if not target.is_dir():
        raise ConfigError(f"the output path {target} is not a folder")
    if not os.access(target, os.W_OK):
        raise ConfigError(f"the output folder {target} is not writable")


def render_item(prep: Prepared, text: str) -> tuple[str | None, str]:
    """(system, prompt) for one item's text, as `aigc run` would render them."""
    from aigc_cli.session.tasks import render

    rendered = render(prep.recipe, prep.spec.values, text)
    system = prep.spec.system if prep.spec.system is not None else rendered.system
    return system, rendered.prompt


def estimate(prep: Prepared, pending: list[int] | None = None) -> Estimate:
    """Tokens and cost of the items still to send: prompts counted, outputs assumed."""
    from aigc_cli import tokens
    from aigc_cli.batch.inputs import read_item

    out_each = prep.spec.max_tokens or prep.recipe.max_tokens or ASSUMED_OUTPUT_TOKENS
    indices = range(len(prep.items)) if pending is None else pending
    prompt = unreadable = n = 0
    for i in indices:
        n += 1
        try:
            system, text = render_item(prep, read_item(prep.items[i]))
        except (UsageError, ConfigError, OSError):
            unreadable += 1
            continue
        prompt += tokens.count_text((system or "") + "\n" + text, prep.model) + 8
    output = out_each * (n - unreadable)
    price = prep.backend.price(prep.model)
    cost = None if price is None else price.cost(prompt, output)
    if cost is not None and prep.spec.api == "batch":
        cost *= BATCH_API_DISCOUNT
    return Estimate(n, prompt, output, cost, unreadable)


def output_path(prep: Prepared, idx: int) -> str | None:
    """Where item ``idx``'s output file goes under ``-o DIR`` (None with --jsonl only)."""
    if not prep.spec.out_dir:
        return None
    return str(Path(prep.spec.out_dir) / (prep.items[idx].out_stem + prep.ext))
