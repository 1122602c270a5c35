"""Whether a JSON schema may be sent with OpenAI's ``strict: true`` (issue #26, item 14).

Strict structured outputs accept only schemas where every object lists all
its properties as required and sets ``additionalProperties: false``
(recursively: nested objects, array items, ``anyOf``, ``$defs``). `plan`'s
schema is built that way; a schema imported from an llm template often is
not, and sent as strict the server rejects the request (400). Such a schema
is sent without ``strict``: the answer is then validated and repaired once by
the core (session/jsonout.py).
"""

from __future__ import annotations

from typing import Any

_NESTED = ("items", "additionalItems", "not")
_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_MAPS = ("$defs", "definitions")


def strict_ok(schema: Any) -> bool:
    """True when ``schema`` satisfies the strict-mode rules above."""
    if not isinstance(schema, dict):
        return True
    props = schema.get("properties")
    if schema.get("type") == "object" or isinstance(props, dict):
        props = props if isinstance(props, dict) else {}
        if schema.get("additionalProperties") is not False or set(schema.get("required") or []) != set(props):
            return False
        if not all(strict_ok(p) for p in props.values()):
            return False
    children = [schema[k] for k in _NESTED if isinstance(schema.get(k), dict)]
    children += [c for k in _LISTS for c in (schema.get(k) or []) if isinstance(schema.get(k), list)]
    children += [c for k in _MAPS if isinstance(schema.get(k), dict) for c in schema[k].values()]
    return all(strict_ok(c) for c in children)
