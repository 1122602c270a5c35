"""`aigc memory suggest`: proposals from recent conversations, saved only when accepted."""

from __future__ import annotations

import json
import sqlite3
import time

from aigc_cli.memory.suggest import SYSTEM
from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply
from tests.fixtures.pty import ChatPty

PROPOSALS = ["Works in Go.", "Lives in Berlin."]


def propose(fake, items=PROPOSALS) -> None:
    fake.push(Reply(text=json.dumps({"memories": items})))


def stored(aigc) -> list[dict]:
    return json.loads(aigc("memory", "list", "--json").out)


def suggest_request(fake) -> str:
    [req] = [r for r in fake.chat_requests if r["json"]["messages"][0]["content"] == SYSTEM]
    return req["json"]["messages"][1]["content"]


def test_suggest_in_a_pipe_shows_the_proposals_and_saves_nothing(aigc_api, fake):
    aigc_api("ask", "I write Go services in Berlin")
    propose(fake)
    r = aigc_api("memory", "suggest")
    assert r.code == 0, r.err
    assert r.out.splitlines() == PROPOSALS
    assert "nothing saved" in r.err and "--accept" in r.err
    assert stored(aigc_api) == []


def test_suggest_accept_saves_every_proposal(aigc_api, fake):
    aigc_api("ask", "I write Go services in Berlin")
    propose(fake)
    r = aigc_api("memory", "suggest", "--accept")
    assert r.code == 0, r.err
    assert [(m["text"], m["source"]) for m in stored(aigc_api)] == [(p, "suggest") for p in PROPOSALS]


def test_suggest_reads_the_users_messages_and_lists_what_is_known(aigc_api, fake):
    aigc_api("memory", "add", "Likes tea")
    aigc_api("ask", "I write Go services in Berlin")
    propose(fake)
    aigc_api("memory", "suggest")
    sent = suggest_request(fake)
    assert "Already remembered:\n- Likes tea" in sent
    assert "<message>\nI write Go services in Berlin\n</message>" in sent


def test_a_no_log_turn_is_never_read_for_suggestions(aigc_api, fake):
    aigc_api("ask", "--no-log", "my secret project is called Bluebird")
    aigc_api("ask", "I write Go services")
    propose(fake)
    aigc_api("memory", "suggest")
    sent = suggest_request(fake)
    assert "I write Go services" in sent and "Bluebird" not in sent


def test_proposals_already_remembered_are_not_offered_again(aigc_api, fake):
    aigc_api("memory", "add", "Works in Go.")
    aigc_api("ask", "I write Go services in Berlin")
    propose(fake)
    r = aigc_api("memory", "suggest")
    assert r.out.splitlines() == ["Lives in Berlin."]


def test_since_leaves_out_older_conversations(aigc_api, fake):
    aigc_api("ask", "an old message about Perl")
    with sqlite3.connect(aigc_api.home / "history.db") as db:
        db.execute("UPDATE conversations SET updated = ?", (time.time() - 30 * 86400,))
    aigc_api("ask", "a new message about Go")
    propose(fake)
    aigc_api("memory", "suggest", "--since", "7d")
    sent = suggest_request(fake)
    assert "about Go" in sent and "Perl" not in sent


def test_with_no_recent_conversations_nothing_is_asked(aigc_api, fake):
    r = aigc_api("memory", "suggest")
    assert r.code == 0 and "nothing to suggest" in r.err
    assert fake.chat_requests == []


def test_the_suggest_request_is_not_stored_as_a_conversation(aigc_api, fake):
    aigc_api("ask", "I write Go services")
    propose(fake)
    aigc_api("memory", "suggest")
    assert len(json.loads(aigc_api("history", "list", "--json").out)) == 1


def test_on_a_terminal_each_proposal_is_accepted_or_refused(aigc_api, fake):
    aigc_api("ask", "I write Go services in Berlin")
    propose(fake)
    term = ChatPty(AIGC, ["memory", "suggest"], aigc_api.env)
    try:
        term.expect(r"1/2  Works in Go\.")
        term.expect(r"remember it\?")
        term.send("y\r")
        term.expect(r"2/2  Lives in Berlin\.")
        term.expect(r"remember it\?")
        term.send("n\r")
        assert term.wait_exit() == 0
    finally:
        term.close()
    assert [m["text"] for m in stored(aigc_api)] == ["Works in Go."]


def test_on_a_terminal_a_proposal_can_be_reworded_before_saving(aigc_api, fake):
    aigc_api("ask", "I write Go services")
    propose(fake, ["Works in Go."])
    term = ChatPty(AIGC, ["memory", "suggest"], aigc_api.env)
    try:
        term.expect(r"remember it\?")
        term.send("e\r")
        term.expect(r"text \[Works in Go\.\]")
        term.send("Writes Go for a living\r")
        assert term.wait_exit() == 0
    finally:
        term.close()
    assert [m["text"] for m in stored(aigc_api)] == ["Writes Go for a living"]


def test_a_backend_failure_is_one_error_and_saves_nothing(aigc_api, fake):
    from tests.fixtures.openai_server import Fault

    aigc_api("ask", "I write Go services")
    fake.push(Fault(401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key"))
    r = aigc_api("memory", "suggest", "--accept")
    assert r.code == 3 and r.err.startswith("aigc: error:") and "Traceback" not in r.err
    assert stored(aigc_api) == []
