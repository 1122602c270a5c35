"""Attachments (issue #22) end to end: the installed `aigc` against the loopback
OpenAI fixture, with real images (Pillow), PDFs (pypdf/Pillow) and a real store."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from pathlib import Path

import pytest

from tests.fixtures import attach_files as files
from tests.fixtures.openai_server import Reply


def _images(request: dict) -> list[dict]:
    """The image_url parts of the last user message the server received."""
    user = [m for m in request["json"]["messages"] if m["role"] == "user"][-1]
    content = user["content"]
    return [p for p in content if p.get("type") == "image_url"] if isinstance(content, list) else []


def _text(request: dict) -> str:
    user = [m for m in request["json"]["messages"] if m["role"] == "user"][-1]
    content = user["content"]
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if p.get("type") == "text")


def _decoded(part: dict):
    from PIL import Image

    url = part["image_url"]["url"]
    assert url.startswith("data:image/")
    data = base64.b64decode(url.split(",", 1)[1])
    return data, Image.open(io.BytesIO(data))


def test_image_goes_as_a_content_part_without_metadata(aigc_api, fake, tmp_path: Path) -> None:
    photo = files.jpeg_with_gps(tmp_path / "receipt.jpg", size=(4000, 3000))
    fake.push(Reply(text="A red receipt."))
    r = aigc_api("ask", "-m", "gpt-4o-mini", "-a", str(photo), "what is this?")
    assert r.code == 0, r.err
    assert "A red receipt." in r.out
    req = fake.chat_requests[-1]
    parts = _images(req)
    assert len(parts) == 1
    assert _text(req) == "what is this?"
    data, img = _decoded(parts[0])
    # OpenAI's rule (fit 2048, shortest side 768) is 1024x768; the JPEG is decoded at its
    # 1/4 DCT scale, within 10% under that, and sent as it is
    assert img.size == (1000, 750)
    assert not img.getexif()  # no EXIF at all: no GPS, no camera, no date
    assert b"SecretCam" not in data and b"GPS" not in data and b"Exif" not in data


def test_exif_orientation_is_applied(aigc_api, fake, tmp_path: Path) -> None:
    photo = files.jpeg_with_gps(tmp_path / "turned.jpg", size=(800, 400), orientation=6)  # rotate 90
    r = aigc_api("ask", "-a", str(photo), "describe")
    assert r.code == 0, r.err
    _, img = _decoded(_images(fake.chat_requests[-1])[0])
    assert img.size == (400, 800)


def test_png_text_chunk_is_stripped(aigc_api, fake, tmp_path: Path) -> None:
    pic = files.png(tmp_path / "shot.png", text="my-secret-comment")
    r = aigc_api("ask", "-a", str(pic), "what?")
    assert r.code == 0, r.err
    data, img = _decoded(_images(fake.chat_requests[-1])[0])
    assert img.format == "PNG" and img.mode == "RGBA"
    assert b"my-secret-comment" not in data and not img.info.get("Comment")


def test_attach_original_keeps_the_bytes(aigc_api, fake, tmp_path: Path) -> None:
    photo = files.jpeg_with_gps(tmp_path / "orig.jpg", size=(300, 200))
    r = aigc_api("ask", "--attach-original", "-a", str(photo), "what?")
    assert r.code == 0, r.err
    data, _ = _decoded(_images(fake.chat_requests[-1])[0])
    assert data == photo.read_bytes()


def test_image_for_a_model_that_cannot_see_is_refused_before_sending(aigc_api, fake, tmp_path: Path) -> None:
    photo = files.jpeg_with_gps(tmp_path / "p.jpg", size=(100, 100))
    r = aigc_api("ask", "-m", "gpt-3.5-turbo", "-a", str(photo), "what is this?")
    assert r.code == 2
    assert "gpt-3.5-turbo cannot see images" in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) <= 2  # the line and its hint
    assert fake.chat_requests == []
    assert (
        aigc_api("history", "list").out.strip() in ("", "No conversations yet.")
        or "what is this" not in aigc_api("history", "list").out
    )


def test_config_vision_override_lets_an_unknown_model_see(aigc_api, fake, tmp_path: Path) -> None:
    photo = files.png(tmp_path / "p.png")
    assert aigc_api("ask", "-m", "fake-model", "-a", str(photo), "hi").code == 2
    assert aigc_api("config", "set", "models.fake-model.vision", "true").code == 0
    r = aigc_api("ask", "-m", "fake-model", "-a", str(photo), "hi")
    assert r.code == 0, r.err
    assert len(_images(fake.chat_requests[-1])) == 1


def test_pdf_text_page_by_page_and_scanned_page_as_image(aigc_api, fake, tmp_path: Path) -> None:
    pdf = files.pdf_with_scan(tmp_path / "bill.pdf", ["Invoice number 4711", "Total due 99 EUR"])
    r = aigc_api("ask", "-a", str(pdf), "what is the total?")
    assert r.code == 0, r.err
    req = fake.chat_requests[-1]
    text = _text(req)
    assert "--- page 1 ---\nInvoice number 4711" in text
    assert "--- page 2 ---\nTotal due 99 EUR" in text
    assert "--- page 3 ---" in text and text.rstrip().endswith("what is the total?")
    assert len(_images(req)) == 1  # the scanned page, for a model that sees


def test_pdf_scanned_page_named_as_skipped_for_a_blind_model(aigc_api, fake, tmp_path: Path) -> None:
    pdf = files.pdf_with_scan(tmp_path / "bill.pdf", ["Invoice number 4711"])
    r = aigc_api("ask", "-m", "gpt-3.5-turbo", "-a", str(pdf), "summary?")
    assert r.code == 0, r.err
    assert "skipped" in r.err and "page 2" in r.err
    assert _images(fake.chat_requests[-1]) == []


def test_scan_only_pdf_for_a_blind_model_is_refused(aigc_api, fake, tmp_path: Path) -> None:
    pdf = files.scan_only_pdf(tmp_path / "scan.pdf")
    r = aigc_api("ask", "-m", "gpt-3.5-turbo", "-a", str(pdf), "summary?")
    assert r.code == 2 and "cannot see" in r.err
    assert fake.chat_requests == []


def test_text_file_attachment(aigc_api, fake, tmp_path: Path) -> None:
    note = tmp_path / "notes.md"
    note.write_text("# Shopping\n- milk\n", encoding="utf-8")
    r = aigc_api("ask", "-a", str(note), "what do I buy?")
    assert r.code == 0, r.err
    text = _text(fake.chat_requests[-1])
    assert "==> " in text and "notes.md <==\n# Shopping\n- milk" in text


def test_stdin_attachment(aigc_api, fake, tmp_path: Path) -> None:
    photo = files.png(tmp_path / "p.png")
    r = aigc_api("ask", "-a", "-", "what is this?", input=photo.read_bytes())
    assert r.code == 0, r.err
    assert len(_images(fake.chat_requests[-1])) == 1


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p: p / "missing.png", "no such file"),
        (lambda p: p, "is a directory"),
        (lambda p: (p / "empty.jpg").write_bytes(b"") and p / "empty.jpg" or p / "empty.jpg", "empty"),
        (
            lambda p: (p / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage" * 10) and p / "bad.jpg",
            "not a readable image",
        ),
        (lambda p: (p / "bad.pdf").write_bytes(b"%PDF-1.4\nnonsense") and p / "bad.pdf", "not a readable PDF"),
        (lambda p: (p / "x.bin").write_bytes(bytes(range(256)) * 4) and p / "x.bin", "unknown binary type"),
    ],
)
def test_bad_attachment_is_one_line_exit_3_nothing_sent_or_stored(aigc_api, fake, tmp_path: Path, make, reason) -> None:
    target = make(tmp_path)
    r = aigc_api("ask", "-a", str(target), "what?")
    assert r.code == 3, (r.code, r.err)
    assert reason in r.err and str(target.name) in r.err and "Traceback" not in r.err
    assert fake.chat_requests == []
    listed = aigc_api("history", "list", "--json")
    assert "what?" not in listed.out


def _store(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(next(home.rglob("*.db")))


def test_continue_resends_the_image_and_history_lists_it(aigc_api, fake, home: Path, tmp_path: Path) -> None:
    photo = files.jpeg_with_gps(tmp_path / "cat.jpg", size=(640, 480))
    assert aigc_api("ask", "-a", str(photo), "what animal?").code == 0
    first = _images(fake.chat_requests[-1])[0]
    r = aigc_api("ask", "-c", "and its colour?")
    assert r.code == 0, r.err
    msgs = fake.chat_requests[-1]["json"]["messages"]
    earlier = [m for m in msgs if m["role"] == "user"][0]
    assert isinstance(earlier["content"], list)
    assert [p for p in earlier["content"] if p["type"] == "image_url"][0] == first
    assert isinstance(msgs[-1]["content"], str)  # the new question has no image
    cid = json.loads(aigc_api("history", "list", "--json").out)[0]["id"]
    shown = aigc_api("history", "show", cid)
    assert "cat.jpg" in shown.out and "image" in shown.out
    db = _store(home)
    assert db.execute("SELECT count(*) FROM blobs").fetchone()[0] == 1
    stored = db.execute("SELECT data FROM blobs").fetchone()[0]
    assert b"SecretCam" not in stored and b"Exif" not in stored


def test_no_log_stores_nothing(aigc_api, fake, home: Path, tmp_path: Path) -> None:
    photo = files.png(tmp_path / "p.png")
    assert aigc_api("ask", "--no-log", "-a", str(photo), "what?").code == 0
    dbs = list(home.rglob("*.db"))
    if dbs:
        assert sqlite3.connect(dbs[0]).execute("SELECT count(*) FROM blobs").fetchone()[0] == 0


def test_export_import_round_trip_and_rm_drops_blobs(aigc_api, fake, home: Path, tmp_path: Path) -> None:
    photo = files.jpeg_with_gps(tmp_path / "cat.jpg", size=(640, 480))
    pdf = files.text_pdf(tmp_path / "doc.pdf", ["hello pdf"])
    assert aigc_api("ask", "-a", str(photo), "-a", str(pdf), "what?").code == 0
    db = _store(home)
    blob = db.execute("SELECT sha256, data FROM blobs").fetchone()
    db.close()
    exported = aigc_api("history", "export", "--format", "json", "--all")
    assert exported.code == 0, exported.err
    data = json.loads(exported.out)
    atts = data["conversations"][0]["messages"][0]["attachments"]
    assert [a["kind"] for a in atts] == ["image", "pdf"]
    assert base64.b64decode(atts[0]["data"]) == blob[1]
    out = tmp_path / "export.json"
    out.write_text(exported.out, encoding="utf-8")
    cid = data["conversations"][0]["id"]
    assert aigc_api("history", "rm", cid, "--yes").code == 0
    db = _store(home)
    assert db.execute("SELECT count(*) FROM blobs").fetchone()[0] == 0
    db.close()
    r = aigc_api("history", "import", str(out))
    assert r.code == 0, r.err
    again = json.loads(aigc_api("history", "export", "--format", "json", "--all").out)
    assert again["conversations"][0]["messages"][0]["attachments"] == atts
    db = _store(home)
    assert db.execute("SELECT sha256, data FROM blobs").fetchone() == blob


def test_summarize_a_long_pdf_map_reduce_and_lists_it(aigc_api, fake, tmp_path: Path) -> None:
    pages = [f"Page {i} says: " + "the quarterly numbers went up again " * 30 for i in range(1, 41)]
    pdf = files.text_pdf(tmp_path / "report.pdf", pages)
    r = aigc_api("summarize", "-m", "fake-model", "-a", str(pdf))
    assert r.code == 0, r.err
    assert "map-reduce" in r.err
    sent = "".join(_text(q) for q in fake.chat_requests)
    assert "Page 1 says" in sent and "Page 40 says" in sent
    cid = json.loads(aigc_api("history", "list", "--json").out)[0]["id"]
    assert "report.pdf" in aigc_api("history", "show", cid).out


def test_summarize_a_short_attachment_in_one_turn(aigc_api, fake, tmp_path: Path) -> None:
    note = tmp_path / "n.txt"
    note.write_text("The meeting moved to Tuesday.", encoding="utf-8")
    r = aigc_api("summarize", "-a", str(note))
    assert r.code == 0, r.err
    assert len(fake.chat_requests) == 1
    assert "The meeting moved to Tuesday." in _text(fake.chat_requests[-1])


def test_old_images_are_left_out_first_when_the_window_is_full(tmp_path: Path) -> None:
    """In process with the scripted FakeBackend: the stage drops the oldest turns' images to fit."""
    from aigc_cli.attachments.stage import apply
    from aigc_cli.backends.fake import FakeBackend
    from aigc_cli.messages import ImagePart, Message

    img = ImagePart(url="data:image/png;base64,AAAA", width=2048, height=2048)  # 765 tokens by the tile rule
    msgs = [
        Message(role="user", content="one", images=[img]),
        Message(role="assistant", content="a"),
        Message(role="user", content="two", images=[img]),
        Message(role="assistant", content="b"),
        Message(role="user", content="three"),
    ]
    be = FakeBackend(vision=True)
    full = be.count_tokens(msgs)
    out, done = apply(msgs, None, be, "fake-1", budget=full - 100)
    assert out[0].images == [] and out[2].images == [img]  # the oldest went first, and only it
    assert any("left out 1 earlier image" in n for n in done.notices)
    out, done = apply(msgs, None, be, "fake-1", budget=full + 10)
    assert out == msgs and done.notices == []
