"""Structured plans: the Plan model, its JSON schema, parsing and repair.

The schema is sent with the request (OpenAI's ``response_format`` JSON schema
on the openai backend, llama.cpp's schema grammar on the local one), so a
conforming backend can only produce a valid plan. The answer is validated
anyway; if it does not parse, the model gets one repair attempt with the
error, and if that fails too the user gets a clear error, never a bad plan.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MAX_STEPS = 12
MAX_RISKS = 5
REPAIR_PROMPT = (
    "Your answer was not a valid plan: {error}. Answer again with only the JSON object "
    "that matches the schema, nothing else."
)


class Step(BaseModel):
    """One action: what to do, how long it takes, and which earlier steps it needs."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, description="Short imperative title of the step.")
    detail: str = Field(description="What to do, concretely.")
    estimate: str = Field(description="Time it takes, e.g. '2 hours' or '3 days'.")
    depends_on: list[int] = Field(description="Numbers (1-based) of earlier steps this one needs.")


class Plan(BaseModel):
    """A goal broken into ordered, estimated steps, with its risks."""

    model_config = ConfigDict(extra="forbid")

    goal: str = Field(description="The goal, restated in one line.")
    summary: str = Field(description="The approach in one or two sentences.")
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    risks: list[str] = Field(description="What could go wrong, one short item each.", max_length=MAX_RISKS)

    @model_validator(mode="after")
    def _normalize_dependencies(self) -> "Plan":
        """Keep only references to earlier steps: a plan's order must be doable as listed."""
        for number, step in enumerate(self.steps, start=1):
            step.depends_on = sorted({d for d in step.depends_on if 1 <= d < number})
        return self


# character limits for grammar-constrained backends (see json_schema)
MAX_CHARS = {"goal": 80, "summary": 160, "title": 48, "detail": 160, "estimate": 16, "risk": 80}
MAX_RISKS_BOUNDED = 3


def json_schema(max_steps: int = MAX_STEPS, bounded: bool = False) -> dict[str, Any]:
    """The Plan schema in the strict form OpenAI requires (and llama.cpp accepts).

    Strict mode wants every property required, ``additionalProperties: false``
    everywhere and no defaults or titles; ``maxItems`` bounds the steps.
    ``bounded`` adds ``maxLength`` to every string (OpenAI's strict mode does
    not accept it, llama.cpp's grammar does): a small local model sampling
    under a grammar can otherwise run one string on until it hits max_tokens,
    which truncates the JSON.
    """
    schema = Plan.model_json_schema()
    defs = schema.pop("$defs", {})
    step = _strict(defs["Step"])
    plan = _strict(schema)
    plan["properties"]["steps"] = {
        "type": "array",
        "items": step,
        "minItems": 1,
        "maxItems": max(1, min(max_steps, MAX_STEPS)),
    }
    plan["properties"]["risks"]["maxItems"] = MAX_RISKS
    if bounded:
        _bound(plan, step, plan["properties"]["steps"]["maxItems"])
    return plan


def _bound(plan: dict[str, Any], step: dict[str, Any], max_steps: int) -> None:
    """Cap every string, list and number so a sampled plan always ends in time."""
    for obj in (plan, step):
        for name, prop in obj["properties"].items():
            if prop.get("type") == "string":
                prop["maxLength"] = MAX_CHARS[name]
    risks = plan["properties"]["risks"]
    risks["maxItems"] = MAX_RISKS_BOUNDED
    risks["items"]["maxLength"] = MAX_CHARS["risk"]
    deps = step["properties"]["depends_on"]
    deps["maxItems"] = max_steps - 1
    deps["items"].update({"minimum": 1, "maximum": max_steps})


def _strict(obj: dict[str, Any]) -> dict[str, Any]:
    props = {}
    for name, prop in obj["properties"].items():
        prop = {k: v for k, v in prop.items() if k not in ("title", "default", "maxItems", "minItems", "minLength")}
        props[name] = prop
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def parse(text: str) -> Plan:
    """Validate the model's answer as a Plan; raises ValueError saying what is wrong."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "the object"
        raise ValueError(f"{where}: {err['msg']}") from None


def to_text(plan: Plan) -> str:
    """Plain text for pipes: numbered steps, one block each."""
    lines = [plan.goal, "", plan.summary, ""]
    for i, step in enumerate(plan.steps, start=1):
        after = f" (after {', '.join(map(str, step.depends_on))})" if step.depends_on else ""
        estimate = f" [{step.estimate}]" if step.estimate else ""
        lines.append(f"{i}. {step.title}{estimate}{after}")
        if step.detail:
            lines.append(f"   {step.detail}")
    if plan.risks:
        lines += ["", "Risks:"] + [f"- {r}" for r in plan.risks]
    return "\n".join(lines) + "\n"


# ------------------------------------------------ numbered plans (base models)

_STEP_LINE = re.compile(r"^\s*(?:step\s*)?(?:第\s*)?(\d{1,2})\s*(?:步)?\s*[.:)、：]\s*(.+?)\s*$", re.I)
_ESTIMATE = re.compile(r"\s*[(（]([^()（）]{1,24})[)）]\s*$")
_DURATION = re.compile(r"\d|hour|day|week|month|minute|小时|天|周|月|分钟", re.I)
BASE_STEPS = 5  # a base model's plan drifts after a few steps


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text).strip().lower()


def parse_steps(text: str, goal: str, max_steps: int = MAX_STEPS, cut: bool = False) -> Plan:
    """A Plan from a numbered plan (``Step 1: Do x (2 days)`` lines, the completion
    framing base models get), dropping steps that restate the goal or an earlier step.

    A base model cannot fill a JSON schema reliably (and grammar sampling over
    Gemma's 262k-token vocabulary takes minutes), but it continues a numbered list
    well; the first line is the rest of ``Step 1:``. ``cut``: the text stopped at
    max_tokens, so its last line is dropped. Raises ValueError if no step remains.
    """
    lines = text.strip().splitlines()
    if cut and len(lines) > 1:
        lines.pop()  # the answer hit max_tokens: its last line is unfinished
    if lines and not _STEP_LINE.match(lines[0]):
        lines[0] = f"1: {lines[0]}"
    seen = {_key(goal)}
    steps: list[Step] = []
    for line in lines:
        m = _STEP_LINE.match(line)
        if not m:
            continue
        title, estimate = m.group(2), ""
        if (est := _ESTIMATE.search(title)) and _DURATION.search(est.group(1)):
            title, estimate = title[: est.start()].strip(), est.group(1).strip()
        title = title.strip(" .。")
        if not title or _key(title) in seen:
            continue
        seen.add(_key(title))
        number = len(steps) + 1
        steps.append(
            Step(
                title=title[: MAX_CHARS["title"] * 2],
                detail="",
                estimate=estimate,
                depends_on=[number - 1] if number > 1 else [],
            )
        )
        if len(steps) == max_steps:
            break
    if not steps:
        raise ValueError("no numbered steps (other than the goal itself)")
    return Plan(goal=goal.strip(), summary=f"{len(steps)} steps, in order.", steps=steps, risks=[])
