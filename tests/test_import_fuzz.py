"""Property tests (hypothesis) of `history import`: ChatGPT exports and our own JSON.

Properties: whatever the file holds, the import never raises anything but
the one-line ``BadFile`` (exit 3), a file that imports imports cleanly and
a second import adds nothing, times are never 1970 placeholders, and a valid
export of ours round-trips exactly. Most examples run in-process on a real
SQLite store (hundreds of files per second); a few go through the installed
`aigc` to check what the user sees: exit 0 or 3, one line, no traceback.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from aigc_cli.errors import BadFile
from aigc_cli.store.db import Store
from aigc_cli.store.importing import read_import
from aigc_cli.store.io import export_json, iso
from aigc_cli.store.rows import EARLIEST_TIME, LATEST_TIME
from tests.conftest import AIGC, base_env

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------ strategies

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
anything = json_values | st.floats() | st.integers(min_value=10**18)  # NaN, inf, huge ints too

node_ids = st.sampled_from(["root", "a", "b", "c", "d", "e"])  # few: references collide, dangle, cycle
times = st.none() | st.sampled_from([0, 1, 2, -5, 1e12, 1.7e9, 1_717_189_254.6]) | st.floats() | st.text(max_size=3)


@st.composite
def chatgpt_messages(draw: Any) -> dict[str, Any]:
    """Mostly text from users and the assistant, with everything else real exports hold mixed in."""
    odd_parts = st.fixed_dictionaries({"content_type": st.just("image_asset_pointer")}) | st.none() | st.integers()
    parts = (
        st.lists(st.text(max_size=20) | odd_parts, max_size=3)
        if draw(st.integers(0, 3)) == 0
        else st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=2)
    )
    content_types = ["text"] * 4 + [
        "multimodal_text",
        "code",
        "execution_output",
        "reasoning_recap",
        "model_editable_context",
    ]
    msg: dict[str, Any] = {
        "author": {"role": draw(st.sampled_from(["user", "assistant"] * 3 + ["system", "tool", "critic"]))},
        "content": None
        if draw(st.integers(0, 5)) == 0
        else {
            "content_type": draw(st.sampled_from(content_types)),
            **(
                {"parts": draw(parts)}
                if draw(st.integers(0, 4))
                else draw(st.fixed_dictionaries({}, optional={"parts": st.none(), "text": st.text(max_size=10)}))
            ),
        },
    }
    if draw(st.booleans()):
        msg["create_time"] = draw(times)
    if draw(st.integers(0, 3)) == 0:
        msg["recipient"] = draw(st.sampled_from(["all", "python", "internal_tool"]) | st.none())
    if draw(st.booleans()):
        msg["metadata"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "model_slug": st.none() | st.text(max_size=10) | st.integers(),
                    "is_visually_hidden_from_conversation": st.booleans(),
                },
            )
        )
    return msg


@st.composite
def chatgpt_conversations(draw: Any) -> dict[str, Any]:
    """A tree that is mostly a chain (each node under the one before), sometimes broken:
    extra children, missing or dangling parents, cycles, a current node that is not there."""
    ids = draw(st.lists(node_ids, min_size=1, max_size=6, unique=True))
    mapping: dict[str, Any] = {}
    for i, node_id in enumerate(ids):
        chain = draw(st.integers(0, 4)) > 0
        node: dict[str, Any] = {
            "children": [ids[i + 1]] if chain and i + 1 < len(ids) else draw(st.lists(node_ids, max_size=3))
        }
        if i and chain:
            node["parent"] = ids[i - 1]
        elif draw(st.booleans()):
            node["parent"] = draw(node_ids | st.none())
        if i and draw(st.integers(0, 5)):
            node["message"] = draw(chatgpt_messages())
        mapping[node_id] = node
    conv: dict[str, Any] = {"mapping": mapping}
    if draw(st.integers(0, 3)):
        conv["current_node"] = ids[-1]
    for key, strategy in (
        ("title", st.none() | st.text(max_size=20)),
        ("create_time", times),
        ("update_time", times),
        ("current_node", node_ids | st.none()),
        ("conversation_id", st.none() | st.text(max_size=6)),
        ("default_model_slug", st.none() | st.text(max_size=6)),
    ):
        if draw(st.integers(0, 2)) == 0:
            conv[key] = draw(strategy)
    return conv


chatgpt_files = chatgpt_conversations() | st.lists(chatgpt_conversations(), max_size=4)

unix_times = st.integers(0, int(LATEST_TIME) * 10**6 - 1).map(lambda us: us / 10**6)
# text of any code point; now and then a lone surrogate, which JSON can spell (\\ud800) and UTF-8 cannot
short_text = st.text(max_size=30) | st.text(st.characters(exclude_categories=()), max_size=3)
optional_text = st.none() | short_text
counts = st.none() | st.integers(0, 2**62)


@st.composite
def aigc_conversations(draw: Any, cid: str) -> dict[str, Any]:
    messages = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "role": st.sampled_from(["user", "assistant", "system"]),
                    "content": short_text,
                    "created": unix_times.map(lambda t: iso(t, "microseconds")),
                    "status": st.sampled_from(["complete", "interrupted", "error"]),
                    "model": optional_text,
                    "prompt_tokens": counts,
                    "completion_tokens": counts,
                    "cost": st.none() | st.floats(0, 1e6, allow_nan=False),
                    "command": st.none()
                    | st.fixed_dictionaries(
                        {
                            "command": short_text,
                            "shell": st.sampled_from(["bash", "zsh", "fish"]),
                            "ran": st.booleans(),
                            "exit_status": st.none() | st.integers(-255, 255),
                            "updated": unix_times.map(lambda t: iso(t, "microseconds")),
                        }
                    ),
                }
            ),
            max_size=4,
        )
    )
    summary = draw(
        st.none()
        | st.fixed_dictionaries(
            {
                "text": short_text,
                "covered": st.integers(0, 2**62),
                "model": optional_text,
                "updated": unix_times.map(lambda t: iso(t, "microseconds")),
            }
        )
    )
    return {
        "id": cid,
        "title": draw(short_text),
        "created": iso(draw(unix_times), "microseconds"),
        "updated": iso(draw(unix_times), "microseconds"),
        "backend": draw(optional_text),
        "model": draw(optional_text),
        "recipe": draw(optional_text),
        "system": draw(optional_text),
        "messages": messages,
        "source": draw(st.none() | st.text(min_size=1, max_size=10)),
        "summary": summary,
    }


@st.composite
def aigc_exports(draw: Any) -> dict[str, Any]:
    ids = draw(st.lists(st.text("0123456789abcdef", min_size=12, max_size=12), max_size=4, unique=True))
    return {"aigc_export": 1, "conversations": [draw(aigc_conversations(cid)) for cid in ids]}


# ------------------------------------------------------------ helpers


@contextmanager
def imported_twice(data: bytes) -> Iterator[tuple[list[Any], list[Any], Path] | BadFile]:
    """Import ``data`` twice into a fresh store: (first added, second added, store) or the error.

    An error must name the file; hypothesis's statistics show how often each happens.
    """
    with tempfile.TemporaryDirectory(prefix="aigc-fuzz-") as folder:
        path = Path(folder) / "import.json"
        path.write_bytes(data)
        try:
            batch = read_import(path)
        except BadFile as exc:
            assert str(path) in str(exc)
            event("refused: " + str(exc).split(" (")[0].replace(str(path), "FILE"))
            yield exc
            return
        with Store.open(Path(folder) / "history.db") as store:
            added, _ = store.import_conversations(batch.items)
            again, _ = store.import_conversations(read_import(path).items)
        event(f"imported {min(len(added), 3)}{'+' if len(added) >= 3 else ''} conversations")
        yield added, again, Path(folder) / "history.db"


def stored(db: Path) -> list[tuple[str, float, float, list[tuple[str, float]]]]:
    with Store.open(db) as store:
        return [
            (c.id, c.created, c.updated, [(m.role, m.created) for m in store.messages(c.id)]) for c in store.list(None)
        ]


def unique_sources(export: dict[str, Any]) -> bool:
    sources = [c["source"] for c in export["conversations"] if c["source"] is not None]
    return len(sources) == len(set(sources))


def encodable(export: dict[str, Any]) -> bool:
    try:
        json.dumps(export, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# ------------------------------------------------------------ properties


@FAST
@given(st.binary(max_size=200))
def test_any_bytes_import_cleanly_or_fail_with_bad_file(data):
    with imported_twice(data) as result:
        assert isinstance(result, BadFile) or result[1] == []


@FAST
@given(anything)
def test_any_json_imports_cleanly_or_fails_with_bad_file(value):
    with imported_twice(json.dumps(value).encode()) as result:
        assert isinstance(result, BadFile) or result[1] == []


@FAST
@given(chatgpt_files)
def test_chatgpt_like_files_import_cleanly_or_fail_with_bad_file(value):
    with imported_twice(json.dumps(value).encode()) as result:
        if isinstance(result, BadFile):
            return
        _, again, db = result
        assert again == []  # a second import adds nothing
        for _, created, updated, messages in stored(db):
            assert EARLIEST_TIME <= created <= updated < LATEST_TIME  # never 1970, never a placeholder
            assert all(role in ("user", "assistant") and EARLIEST_TIME <= t < LATEST_TIME for role, t in messages)


@FAST
@given(aigc_exports())
def test_a_valid_export_round_trips_exactly_and_imports_once(export):
    with imported_twice(json.dumps(export).encode()) as result:  # ASCII: surrogates spelled \udxxx
        if not encodable(export):  # a lone surrogate: refused as a whole
            assert isinstance(result, BadFile) and "not valid Unicode" in str(result)
            return
        assert not isinstance(result, BadFile), result
        _, again, db = result
        assert again == []
        if not unique_sources(export):
            return  # a repeated source is one conversation imported once: nothing to compare
        with Store.open(db) as store:
            back = json.loads(export_json(store, store.list(None)))
    assert sorted(back["conversations"], key=lambda c: c["id"]) == sorted(
        export["conversations"], key=lambda c: c["id"]
    )


def _replace_at(data: Any, path: list[int], value: Any) -> Any:
    """``data`` with the node chosen by ``path`` (indices into containers) replaced by ``value``."""
    if not path or not isinstance(data, (dict, list)) or not data:
        return value
    keys = list(data) if isinstance(data, dict) else list(range(len(data)))
    key = keys[path[0] % len(keys)]
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[key] = _replace_at(data[key], path[1:], value)
    return copy


@FAST
@given(aigc_exports(), st.lists(st.integers(0, 20), min_size=1, max_size=5), anything)
def test_a_damaged_export_imports_cleanly_or_fails_with_bad_file(export, path, value):
    damaged = _replace_at(export, path, value)
    with imported_twice(json.dumps(damaged).encode()) as result:
        assert isinstance(result, BadFile) or result[1] == []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(anything | chatgpt_files | aigc_exports())
def test_the_installed_command_exits_0_or_3_with_one_line_and_no_traceback(value):
    with tempfile.TemporaryDirectory(prefix="aigc-fuzz-cli-") as folder:
        run_cli(Path(folder), value)


def run_cli(folder: Path, value: Any) -> None:
    path = folder / "import.json"
    path.write_bytes(json.dumps(value).encode())
    home = folder / "home"
    home.mkdir()
    proc = subprocess.run(
        [AIGC, "history", "import", str(path)],
        env=base_env(home),
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode in (0, 3), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith("imported ") if proc.returncode == 0 else err.startswith("aigc: error: ")
    if proc.returncode == 3:
        assert str(path) in err
        assert not (home / "history.db").exists()  # nothing was written, not even an empty store


def test_iso_times_parse_back_to_the_same_text():
    """The round trip relies on it: the export's microsecond times are stable through a parse."""
    for ts in (0.0, 1_700_000_000.123456, 4_102_444_799.999999, 1.000001):
        text = iso(ts, "microseconds")
        assert iso(datetime.fromisoformat(text).timestamp(), "microseconds") == text
