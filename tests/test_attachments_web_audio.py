"""URL and audio attachments, and `aigc transcribe` (issue #22): a loopback web site
and the loopback OpenAI fixture's multipart /v1/audio/transcriptions route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures import attach_files as files
from tests.fixtures import openai_audio
from tests.fixtures.attach_site import Site


def _user_text(request: dict) -> str:
    content = [m for m in request["json"]["messages"] if m["role"] == "user"][-1]["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content if p["type"] == "text")


def _user_images(request: dict) -> list[dict]:
    content = [m for m in request["json"]["messages"] if m["role"] == "user"][-1]["content"]
    return [] if isinstance(content, str) else [p for p in content if p["type"] == "image_url"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    d = tmp_path_factory.mktemp("site")
    photo = files.jpeg_with_gps(d / "p.jpg", size=(500, 400)).read_bytes()
    pdf = files.text_pdf(d / "d.pdf", ["Remote page one", "Remote page two"]).read_bytes()
    s = Site(
        {
            "/photo.jpg": ("image/jpeg", photo),
            "/doc.pdf": ("application/pdf", pdf),
            "/blob.bin": ("application/octet-stream", bytes(range(256)) * 8),
        },
        slow_seconds=8,
    )
    yield s
    s.stop()


@pytest.fixture
def audio(fake) -> Iterator[list[dict]]:
    received = openai_audio.install(fake)
    yield received
    openai_audio.uninstall(fake)


def test_web_page_goes_as_readable_text_with_title_and_final_url(aigc_api, fake, site: Site) -> None:
    r = aigc_api("ask", "-a", f"{site.url}/redirect", "how long do I keep receipts?")
    assert r.code == 0, r.err
    text = _user_text(fake.chat_requests[-1])
    assert "Keep every receipt for seven years" in text
    assert f"{site.url}/article.html" in text  # the final URL, after the redirect
    assert "Receipts and taxes" in text or "Keeping receipts" in text
    assert "Home | About | Login" not in text  # boilerplate dropped


def test_image_and_pdf_urls_are_fetched_and_prepared(aigc_api, fake, site: Site) -> None:
    r = aigc_api("ask", "-a", f"{site.url}/photo.jpg", "-a", f"{site.url}/doc.pdf", "what?")
    assert r.code == 0, r.err
    req = fake.chat_requests[-1]
    assert len(_user_images(req)) == 1
    assert "--- page 2 ---\nRemote page two" in _user_text(req)


@pytest.mark.parametrize("path, code, words", [("/missing", 3, "HTTP 404"), ("/blob.bin", 3, "not a web page")])
def test_failing_url_is_one_line_and_nothing_sent(aigc_api, fake, site: Site, path, code, words) -> None:
    r = aigc_api("ask", "-a", f"{site.url}{path}", "what?")
    assert r.code == code, r.err
    assert words in r.err and path in r.err and "Traceback" not in r.err
    assert fake.chat_requests == []


def test_refused_url_is_exit_4(aigc_api, fake) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = aigc_api("ask", "-a", f"http://127.0.0.1:{port}/x", "what?")
    assert r.code == 4, r.err
    assert "cannot reach" in r.err and fake.chat_requests == []


def test_slow_url_times_out_with_exit_4(aigc_api, fake, site: Site) -> None:
    assert aigc_api("config", "set", "attach.url_timeout", "1").code == 0
    r = aigc_api("ask", "-a", f"{site.url}/slow", "what?")
    assert r.code == 4, r.err
    assert "/slow" in r.err and fake.chat_requests == []


def test_audio_attachment_becomes_a_transcript(aigc_api, fake, audio, tmp_path: Path) -> None:
    memo = files.wav(tmp_path / "memo.wav")
    r = aigc_api("ask", "-a", str(memo), "make a to-do list")
    assert r.code == 0, r.err
    assert len(audio) == 1
    form = audio[0]
    assert form["model"] == "whisper-1"
    assert form["file"] == ("memo.wav", memo.read_bytes())
    assert openai_audio.TRANSCRIPT in _user_text(fake.chat_requests[-1])


def test_transcribe_prints_text_timestamps_and_json(aigc_api, fake, audio, tmp_path: Path) -> None:
    memo = files.wav(tmp_path / "memo.wav")
    r = aigc_api("transcribe", str(memo))
    assert r.code == 0, r.err
    assert r.out == openai_audio.TRANSCRIPT + "\n"
    r = aigc_api("transcribe", str(memo), "--lang", "de", "--timestamps")
    assert r.code == 0, r.err
    assert r.out.startswith("[00:00.0 → 00:01.5] Buy milk")
    assert audio[-1]["language"] == "de" and audio[-1]["response_format"] == "verbose_json"
    r = aigc_api("transcribe", str(memo), "--json")
    data = json.loads(r.out)
    assert data[0]["file"] == str(memo) and data[0]["text"] == openai_audio.TRANSCRIPT
    assert len(data[0]["segments"]) == 2 and fake.chat_requests == []


def test_transcribe_refuses_what_is_not_audio(aigc_api, fake, audio, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("hello", encoding="utf-8")
    r = aigc_api("transcribe", str(note))
    assert r.code == 3 and "not audio" in r.err and audio == []


def test_no_transcription_endpoint_is_exit_2(aigc_api, fake, tmp_path: Path) -> None:
    memo = files.wav(tmp_path / "memo.wav")
    r = aigc_api("ask", "-a", str(memo), "to-do?")
    assert r.code == 2, r.err
    assert "transcription" in r.err and "Traceback" not in r.err
    assert fake.chat_requests == []
    assert aigc_api("transcribe", str(memo)).code == 2


def test_corrupt_wav_is_refused_before_sending(aigc_api, fake, audio, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    r = aigc_api("ask", "-a", str(bad), "what?")
    assert r.code == 3 and "bad.wav" in r.err
    assert audio == [] and fake.chat_requests == []
