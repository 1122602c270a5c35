"""`aigc chat -a` and `/attach` (issue #22), in a real pty against the loopback server."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures import attach_files as files


def _last_user(fake) -> dict:
    return [m for m in fake.chat_requests[-1]["json"]["messages"] if m["role"] == "user"][-1]


def test_attach_adds_to_the_next_message_only(chat, fake, tmp_path: Path) -> None:
    photo = files.jpeg_with_gps(tmp_path / "receipt.jpg", size=(2000, 1500))
    c = chat()
    c.ready()
    c.say("/attach")
    c.expect("Nothing attached")
    c.ready()
    c.say(f"/attach {photo}")
    c.expect(r"(?s)receipt\.jpg .*→\s+1000×750")  # the line may wrap under a long tmp dir
    c.ready()
    c.say("/attach")
    c.expect("go with your next message")
    c.ready()
    assert fake.chat_requests == []
    c.say("what is this?")
    c.ready()
    content = _last_user(fake)["content"]
    assert isinstance(content, list) and [p["type"] for p in content] == ["text", "image_url"]
    c.say("and the total?")
    c.ready()
    msgs = fake.chat_requests[-1]["json"]["messages"]
    assert isinstance(msgs[-1]["content"], str)  # the new message carries nothing new
    assert isinstance([m for m in msgs if m["role"] == "user"][0]["content"], list)  # the image is resent


def test_attach_of_a_bad_file_is_one_red_line(chat, fake, tmp_path: Path) -> None:
    c = chat()
    c.ready()
    c.say(f"/attach {tmp_path / 'nope.png'}")
    c.expect("no such file")
    c.ready()
    c.say("/attach")
    c.expect("Nothing attached")
    assert fake.chat_requests == []


def test_image_for_a_blind_model_is_refused_and_kept_for_another(chat, fake, tmp_path: Path) -> None:
    photo = files.png(tmp_path / "p.png")
    c = chat("-m", "gpt-3.5-turbo", "-a", str(photo))
    c.ready()
    c.say("what is this?")
    c.expect("cannot see images")
    c.ready()
    assert fake.chat_requests == []
    c.say("/model gpt-4o-mini")
    c.ready()
    c.say("what is this?")
    c.ready()
    assert isinstance(_last_user(fake)["content"], list)
