"""Answers that must be JSON matching a recipe's schema (issue #26, item 14).

`plan` always validated its answer and repaired it once; a recipe of the
user's with a ``json_schema`` (written, or imported from an llm template)
printed whatever came back with exit 0. Every such recipe now goes through
the same ``Repair`` round trip of ``run_turn``: the answer is parsed and
validated against the schema (the ``jsonschema`` library); an invalid one
is sent back once with the problem, and one still invalid is an
``UnusableAnswer`` (exit 7).
"""

from __future__ import annotations

import json
from typing import Any

from aigc_cli.session.turn import Repair

REPAIR_PROMPT = (
    "Your answer was not valid: {error}. Answer again with only the JSON value that matches the schema, nothing else."
)


def _strip_fence(text: str) -> str:
    """Models often wrap JSON in a ```json fence although told not to."""
    body = text.strip()
    if body.startswith("```") and body.endswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    return body.strip()


def problem(schema: dict[str, Any], text: str) -> Exception | None:
    """Why ``text`` is not a JSON value matching ``schema`` (None if it is)."""
    import jsonschema

    try:
        value = json.loads(_strip_fence(text))
    except ValueError as exc:
        return ValueError(f"not JSON ({exc})")
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        return ValueError(f"{exc.message}" + (f" at {where}" if where else ""))
    except jsonschema.SchemaError:  # the recipe's own schema is broken: the server judged the answer
        return None
    return None


def schema_repair(schema: dict[str, Any]) -> Repair:
    """The Repair for a recipe with ``schema``: validate, repair once, else exit 7."""
    return Repair(
        lambda text: problem(schema, text),
        REPAIR_PROMPT,
        "the model did not produce JSON matching the recipe's schema, even after one repair attempt",
    )
