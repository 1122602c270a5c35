"""`aigc chat` on the local backend with the real bundled model, in a pty."""

from __future__ import annotations

import pytest

from aigc_cli.store.db import Store
from tests.conftest import AIGC, base_env
from tests.fixtures.pty import ChatPty, write_config

pytestmark = pytest.mark.slow


def test_local_chat_answers_and_stores_two_turns(home, gguf_model):
    write_config(home, "[local]\nn_ctx = 1024\n")
    c = ChatPty(
        AIGC, ["chat", "--model-path", str(gguf_model), "-t", "0", "--max-tokens", "24"], base_env(home), timeout=180
    )
    try:
        c.expect(r"local · \S+ · context 0/")
        c.say("What is the capital of France?")
        c.ready()
        c.say("And of Italy?")
        c.ready()
        c.say("/exit")
        assert c.wait_exit() == 0
    finally:
        c.close()
    with Store.open(home / "history.db") as db:
        conv = db.last()
        msgs = db.messages(conv.id)
    assert [m.role for m in msgs] == ["user", "assistant", "user", "assistant"]
    assert all(m.status == "complete" for m in msgs)
    assert msgs[1].content.strip() and msgs[3].content.strip()
    assert conv.backend == "local"


def test_backend_command_switches_mid_chat_to_the_local_model(chat, fake, home, gguf_model):
    write_config(home, f'[local]\nn_ctx = 1024\nmodel_path = "{gguf_model}"\n')
    c = chat("--max-tokens", "16")
    c.ready()
    c.say("hello over http")
    c.ready()
    c.say("/backend local")
    c.expect(r"Backend: local, model \S+")
    c.ready(timeout=120)
    c.say("hello in process")
    c.expect(r"local · \S+ · context [1-9]", timeout=180)
    assert len(fake.chat_requests) == 1  # the second turn never went over HTTP
    with Store.open(home / "history.db") as db:
        msgs = db.messages(db.last().id)
    assert [(m.role, m.status) for m in msgs] == [("user", "complete"), ("assistant", "complete")] * 2
    assert msgs[3].content.strip()
