"""`aigc history import` through the installed command: ChatGPT exports in the
forms found in the wild, our own JSON export read back exactly, and bad files.

The store is real SQLite in the test's AIGC_HOME; the source conversations of
round trips are real `aigc ask` turns against the loopback server.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime

import pytest

from tests.conftest import Aigc, base_env
from tests.fixtures.chatgpt_export import (
    Tree,
    code_call,
    message,
    simple,
    tool_output,
    untimed,
)
from tests.fixtures.openai_server import Disconnect, Reply

T0 = 1_700_000_000.0  # 2023-11-14


def write(tmp_path, data, name="conversations.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def conversations(aigc):
    r = aigc("history", "list", "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def shown(aigc, cid):
    r = aigc("history", "show", "--json", cid)
    assert r.code == 0, r.err
    return json.loads(r.out)


def unix(iso_text):
    return datetime.fromisoformat(iso_text).timestamp()


def other_home(tmp_path, aigc) -> Aigc:
    """A second, empty AIGC_HOME with the same backend settings."""
    home = tmp_path / "second-home"
    home.mkdir()
    env = {**base_env(home), **{k: v for k, v in aigc.env.items() if k.startswith("OPENAI_")}}
    return Aigc(home, env)


# ------------------------------------------------------------ ChatGPT: shapes and times


def test_a_file_holding_one_conversation_object_is_imported(aigc, tmp_path):
    path = write(tmp_path, simple("Just one", T0, "c-one", ("Hi there", "Hello!")), "one.json")
    r = aigc("history", "import", str(path))
    assert r.code == 0, r.err
    assert "imported 1 conversation" in r.err
    (conv,) = conversations(aigc)
    assert [m["content"] for m in shown(aigc, conv["id"])["messages"]] == ["Hi there", "Hello!"]


def test_conversation_without_create_time_is_dated_by_its_messages(aigc, tmp_path):
    conv = untimed(simple("No header times", T0, "c-nt", ("q1", "a1"), ("q2", "a2")), messages=False)
    aigc("history", "import", str(write(tmp_path, [conv])))
    data = shown(aigc, conversations(aigc)[0]["id"])
    assert unix(data["created"]) == pytest.approx(T0, abs=1)
    assert unix(data["updated"]) == pytest.approx(T0 + 3, abs=1)


def test_conversation_without_any_time_is_dated_at_the_import(aigc, tmp_path):
    conv = untimed(simple("No times at all", T0, "c-none", ("q", "a")))
    before = time.time()
    aigc("history", "import", str(write(tmp_path, [conv])))
    data = shown(aigc, conversations(aigc)[0]["id"])
    assert unix(data["created"]) >= before - 1
    assert all(unix(m["created"]) >= before - 1 for m in data["messages"])


def test_placeholder_create_time_is_not_shown_as_1970(aigc, tmp_path):
    conv = simple("Placeholder times", T0, "c-ph", ("q", "a"))
    conv["create_time"], conv["update_time"] = 1, 2  # as chatgpt-exporter's fixtures have
    aigc("history", "import", str(write(tmp_path, [conv])))
    data = shown(aigc, conversations(aigc)[0]["id"])
    assert unix(data["created"]) == pytest.approx(T0, abs=1)
    assert not data["created"].startswith("1970")


def test_tool_and_code_interpreter_messages_are_skipped_and_counted(aigc, tmp_path):
    tree = Tree("Counting children", T0, "c-tool")
    leaf = tree.chain(
        message("user", "How many children are in this JSON?", T0),
        code_call("len(data['children'])", T0 + 1),
        tool_output("1", T0 + 2),
        message("assistant", "It has 1 child.", T0 + 3),
    )
    r = aigc("history", "import", str(write(tmp_path, [tree.build(leaf)])))
    assert r.code == 0, r.err
    assert "imported 1 conversation; skipped 2 tool messages" in r.err
    data = shown(aigc, conversations(aigc)[0]["id"])
    assert [m["content"] for m in data["messages"]] == ["How many children are in this JSON?", "It has 1 child."]


def test_images_left_out_are_counted(aigc, tmp_path):
    tree = Tree("A picture", T0, "c-img")
    leaf = tree.chain(
        message("user", None, T0), message("user", "What is in it?", T0 + 1), message("assistant", "A cat.", T0 + 2)
    )
    r = aigc("history", "import", str(write(tmp_path, [tree.build(leaf)])))
    assert "skipped 1 image" in r.err


def test_a_second_import_reports_nothing_skipped(aigc, tmp_path):
    tree = Tree("Tools", T0, "c-tool2")
    leaf = tree.chain(
        message("user", "run it", T0),
        code_call("1+1", T0 + 1),
        tool_output("2", T0 + 2),
        message("assistant", "2", T0 + 3),
    )
    path = write(tmp_path, [tree.build(leaf)])
    aigc("history", "import", str(path))
    r = aigc("history", "import", str(path))
    assert r.err.strip() == "imported 0 conversations (1 already imported)"


def test_conversation_without_id_or_times_is_imported_only_once(aigc, tmp_path):
    conv = untimed(simple("Anonymous", T0, "c-anon", ("q", "a")))
    del conv["conversation_id"], conv["id"]
    path = write(tmp_path, [conv])
    aigc("history", "import", str(path))
    r = aigc("history", "import", str(path))
    assert "imported 0 conversations (1 already imported)" in r.err
    assert len(conversations(aigc)) == 1


def test_a_cyclic_tree_without_current_node_is_imported_without_hanging(aigc, tmp_path):
    tree = Tree("Cycle", T0, "c-cyc")
    leaf = tree.chain(message("user", "q", T0), message("assistant", "a", T0 + 1))
    conv = tree.build(leaf)
    conv["mapping"][leaf]["children"] = [tree.root]  # back to the root
    del conv["current_node"]
    r = aigc("history", "import", str(write(tmp_path, [conv])), timeout=30)
    assert r.code == 0, r.err
    assert [m["content"] for m in shown(aigc, conversations(aigc)[0]["id"])["messages"]] == ["q", "a"]


# ------------------------------------------------------------ our own JSON export


def ask(aigc, fake, question, *flags, reply=None):
    fake.push(
        reply
        or Reply(text=f"answer to {question}", usage={"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16})
    )
    r = aigc("ask", "--json", *flags, question)
    return json.loads(r.out)["conversation_id"] if r.out else None


def export(aigc) -> str:
    r = aigc("history", "export", "--all", "--format", "json")
    assert r.code == 0, r.err
    return r.out


@pytest.fixture
def filled(aigc_api, fake):
    """A store with plain, continued, system-prompted, interrupted, failed, recipe and cmd turns, and a summary."""
    from aigc_cli.store.db import Store
    from tests.fixtures.openai_server import Fault

    a = ask(aigc_api, fake, "Capital of France?", "-s", "Be terse.", "-m", "gpt-4o")
    ask(aigc_api, fake, "And of Spain?", "--cid", a)
    ask(aigc_api, fake, "count to ten", reply=Disconnect(text="one two three four", after=2))
    ask(aigc_api, fake, "this one fails", reply=Fault(400, "bad request"))
    fake.push(Reply(text="Rain on the roof."))
    aigc_api("write", "a haiku about rain")
    fake.push(Reply(text="ls -la"))
    assert aigc_api("cmd", "list the files").code == 0  # in a pipe: printed, recorded as not run
    with Store.open(aigc_api.home / "history.db") as store:
        store.set_summary(a, "The user asks about capitals.", 2, "gpt-4o")
    return aigc_api


def test_export_then_import_round_trips_exactly(filled, tmp_path):
    first = export(filled)
    path = tmp_path / "export.json"
    path.write_text(first, encoding="utf-8")
    second_home = other_home(tmp_path, filled)
    r = second_home("history", "import", str(path))
    assert r.code == 0, r.err
    assert "imported 5 conversations" in r.err
    assert export(second_home) == first


def test_the_export_holds_statuses_usage_recipe_summary_and_command(filled, tmp_path):
    data = json.loads(export(filled))
    statuses = {m["status"] for c in data["conversations"] for m in c["messages"]}
    assert statuses == {"complete", "interrupted", "error"}
    assert any(c["recipe"] == "write" for c in data["conversations"])
    assert any(c["summary"] and c["summary"]["covered"] == 2 for c in data["conversations"])
    assert any(m["prompt_tokens"] == 11 for c in data["conversations"] for m in c["messages"])
    assert any((m["command"] or {}).get("command") == "ls -la" for c in data["conversations"] for m in c["messages"])


def test_imported_export_keeps_the_ids_so_a_conversation_can_be_continued(filled, fake, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(export(filled), encoding="utf-8")
    cid = conversations(filled)[-1]["id"]  # the oldest: France, then Spain
    second_home = other_home(tmp_path, filled)
    second_home("history", "import", str(path))
    fake.push(Reply(text="Rome."))
    r = second_home("ask", "--cid", cid, "And of Italy?")
    assert r.code == 0, r.err
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]][:3] == [
        "Be terse.",
        "Capital of France?",
        "answer to Capital of France?",
    ]


def test_importing_an_export_twice_adds_nothing(filled, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(export(filled), encoding="utf-8")
    second_home = other_home(tmp_path, filled)
    second_home("history", "import", str(path))
    r = second_home("history", "import", str(path))
    assert "imported 0 conversations (5 already imported)" in r.err
    assert len(conversations(second_home)) == 5


def test_importing_an_export_into_its_own_store_adds_nothing(filled, tmp_path):
    before = export(filled)
    path = tmp_path / "export.json"
    path.write_text(before, encoding="utf-8")
    r = filled("history", "import", str(path))
    assert "imported 0 conversations (5 already imported)" in r.err
    assert export(filled) == before


def test_an_export_of_imported_chatgpt_conversations_does_not_duplicate_them(aigc, tmp_path):
    chatgpt = write(tmp_path, [simple("From ChatGPT", T0, "c-gpt", ("q", "a"))])
    aigc("history", "import", str(chatgpt))
    ours = tmp_path / "ours.json"
    ours.write_text(export(aigc), encoding="utf-8")
    second_home = other_home(tmp_path, aigc)
    second_home("history", "import", str(ours))
    r = second_home("history", "import", str(chatgpt))
    assert "imported 0 conversations (1 already imported)" in r.err


def test_an_export_from_a_newer_aigc_is_refused(aigc, tmp_path):
    path = write(tmp_path, {"aigc_export": 2, "conversations": []})
    r = aigc("history", "import", str(path))
    assert r.code == 3
    assert "newer aigc" in r.err


# ------------------------------------------------------------ bad files: one line, exit 3, nothing imported


def _valid_export():
    conv = {
        "id": "0123456789ab",
        "title": "ok",
        "created": "2024-01-01T00:00:00+00:00",
        "updated": "2024-01-01T00:00:01+00:00",
        "messages": [{"role": "user", "content": "hi", "created": "2024-01-01T00:00:00+00:00"}],
    }
    return {"aigc_export": 1, "conversations": [conv]}


def _with_bad_last(export_data, **bad):
    conv = dict(export_data["conversations"][0], id="ba0000000002", **bad)
    return {**export_data, "conversations": [*export_data["conversations"], conv]}


BAD_FILES = {
    "bad JSON": (b'[{"title": "x",', "not JSON (line 1 column"),
    "not an export": (b'{"hello": "world"}', "neither a ChatGPT export nor an aigc export"),
    "a number": (b"42", "neither a ChatGPT export nor an aigc export"),
    "invalid UTF-8": (b'[{"title": "caf\xe9"}]', "not valid UTF-8 (bad byte at offset"),
    "empty": (b"", "is empty"),
    "only whitespace": (b" \n\t\n", "is empty"),
    "NaN": (b'{"aigc_export": 1, "conversations": [], "x": NaN}', "not JSON (NaN is not a JSON value)"),
    "ChatGPT without mapping": (b'[{"title": "x"}]', "not a ChatGPT export (0.mapping: Field required)"),
    "lone surrogate": (json.dumps(_with_bad_last(_valid_export(), title="\ud800")).encode(), "not valid Unicode"),
    "bad role late in the file": (
        json.dumps(
            _with_bad_last(
                _valid_export(), messages=[{"role": "robot", "content": "x", "created": "2024-01-01T00:00:00+00:00"}]
            )
        ).encode(),
        "not a valid aigc export (conversations.1.messages.0.role:",
    ),
    "time out of range": (
        json.dumps(_with_bad_last(_valid_export(), created="9999-01-01T00:00:00+00:00")).encode(),
        "time out of range",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_a_malformed_file_is_one_line_exit_3_and_imports_nothing(aigc, tmp_path, case):
    content, problem = BAD_FILES[case]
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    r = aigc("history", "import", str(path))
    assert r.code == 3
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and problem in lines[0], r.err
    assert "Traceback" not in r.err
    assert conversations(aigc) == []


def test_a_missing_file_is_one_line_exit_3(aigc, tmp_path):
    r = aigc("history", "import", str(tmp_path / "nope.json"))
    assert (r.code, r.err.strip()) == (3, f"aigc: error: {tmp_path / 'nope.json'}: no such file")


def test_a_directory_is_one_line_exit_3(aigc, tmp_path):
    r = aigc("history", "import", str(tmp_path))
    assert (r.code, r.err.strip()) == (3, f"aigc: error: {tmp_path} is a directory, not a file")


def test_an_unreadable_path_is_one_line_exit_3(aigc, tmp_path):
    not_a_dir = write(tmp_path, [])
    r = aigc("history", "import", str(not_a_dir / "inside.json"))
    assert (r.code, r.err.strip()) == (3, f"aigc: error: cannot read {not_a_dir / 'inside.json'}: Not a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_one_line_exit_3(aigc, tmp_path):
    path = write(tmp_path, [])
    path.chmod(0)
    r = aigc("history", "import", str(path))
    assert (r.code, r.err.strip()) == (3, f"aigc: error: cannot read {path}: Permission denied")


def test_a_bad_file_leaves_an_existing_store_unchanged(aigc, tmp_path):
    aigc("history", "import", str(write(tmp_path, [simple("Kept", T0, "c-kept", ("q", "a"))])))
    before = export(aigc)
    path = tmp_path / "bad.json"
    path.write_bytes(
        json.dumps(
            _with_bad_last(
                _valid_export(),
                status_of_nothing=1,
                messages=[{"role": "user", "content": "x", "created": "2024-01-01T00:00:00+00:00", "status": "lost"}],
            )
        ).encode()
    )
    r = aigc("history", "import", str(path))
    assert r.code == 3
    assert export(aigc) == before


def test_an_export_can_be_imported_from_stdin(aigc, tmp_path):
    data = json.dumps([simple("Piped", T0, "c-pipe", ("q", "a"))])
    r = aigc("history", "import", "-", input=data)
    assert (r.code, r.err.strip()) == (0, "imported 1 conversation")


def test_bad_json_on_stdin_is_named_stdin(aigc):
    r = aigc("history", "import", "-", input="{oops")
    assert r.code == 3
    assert r.err.startswith("aigc: error: stdin is not JSON")
