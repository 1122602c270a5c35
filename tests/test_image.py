"""`aigc image`: pictures through the loopback fixture's images API, real PNG files on disk,
the generation in the history with its cost."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from tests.conftest import Aigc
from tests.fixtures import openai_media
from tests.fixtures.openai_server import FakeOpenAI, Reply


@pytest.fixture
def media(fake: FakeOpenAI) -> FakeOpenAI:
    openai_media.install(fake)
    return fake


def _png_wh(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_pictures_are_saved_named_from_the_prompt_and_listed_on_stdout(
    aigc_api: Aigc,
    media: FakeOpenAI,
    tmp_path: Path,
) -> None:
    r = aigc_api("image", "A lighthouse at dawn, watercolour", "-n", "2", "-o", str(tmp_path))
    assert r.code == 0, r.err
    paths = [Path(p) for p in r.out.splitlines()]
    assert [p.name for p in paths] == [
        "a-lighthouse-at-dawn-watercolour-1.png",
        "a-lighthouse-at-dawn-watercolour-2.png",
    ]
    assert _png_wh(paths[0]) == (8, 8) and _png_wh(paths[1]) == (9, 8)
    sent = [q for q in media.requests if q["path"].endswith("/images/generations")][0]["json"]
    assert sent["prompt"] == "A lighthouse at dawn, watercolour" and sent["n"] == 2 and sent["model"] == "gpt-image-1"


def test_an_existing_file_is_never_overwritten(aigc_api: Aigc, media: FakeOpenAI, tmp_path: Path) -> None:
    target = tmp_path / "cat.png"
    target.write_bytes(b"mine")
    r = aigc_api("image", "a cat", "-o", str(target))
    assert r.code == 0, r.err
    assert target.read_bytes() == b"mine"
    assert r.out.strip() == str(tmp_path / "cat-2.png")


def test_json_has_paths_sizes_revised_prompt_and_cost(aigc_api: Aigc, media: FakeOpenAI, tmp_path: Path) -> None:
    r = aigc_api(
        "image", "a red fox", "-m", "dall-e-3", "--size", "1024x1792", "--quality", "hd", "-o", str(tmp_path), "--json"
    )
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["images"][0]["revised_prompt"] == "A detailed picture of a red fox"
    assert data["images"][0]["width"] == 8 and Path(data["images"][0]["path"]).exists()
    assert data["cost"] == pytest.approx(0.12)


def test_the_generation_is_in_the_history(aigc_api: Aigc, media: FakeOpenAI, tmp_path: Path) -> None:
    r = aigc_api("image", "a quiet harbour", "-m", "dall-e-2", "--size", "512x512", "-o", str(tmp_path))
    assert r.code == 0, r.err
    listed = json.loads(aigc_api("history", "list", "--json").out)
    assert listed[0]["recipe"] == "image"
    shown = aigc_api("history", "show", listed[0]["id"])
    assert "a quiet harbour" in shown.out and r.out.strip() in shown.out and "dall-e-2" in shown.out
    assert aigc_api("image", "another harbour", "-o", str(tmp_path), "--no-log").code == 0
    assert len(json.loads(aigc_api("history", "list", "--json").out)) == 1


def test_url_answers_are_fetched(
    aigc_api: Aigc, media: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a compatible server that answers with URLs (dall-e-2 asks b64_json; the fixture gives url when asked)
    media.add_route(
        "POST", "/images/generations", lambda h, body: openai_media._images(h, body["prompt"], "x", 1, "url")
    )
    r = aigc_api("image", "a boat", "-o", str(tmp_path))
    assert r.code == 0, r.err
    assert _png_wh(Path(r.out.strip())) == (8, 8)


def test_edit_sends_the_picture_and_mask(aigc_api: Aigc, media: FakeOpenAI, tmp_path: Path) -> None:
    (tmp_path / "in.png").write_bytes(openai_media.png(16, 16))
    (tmp_path / "mask.png").write_bytes(openai_media.png(16, 16, (0, 0, 0)))
    r = aigc_api(
        "image",
        "add a hat",
        "--edit",
        str(tmp_path / "in.png"),
        "--mask",
        str(tmp_path / "mask.png"),
        "-o",
        str(tmp_path / "out"),
    )
    assert r.code == 0, r.err
    assert set(media.state["last_edit"]) >= {"image", "mask", "prompt", "model"}
    assert Path(r.out.strip()).parent == tmp_path / "out"


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["a forbidden thing"], 2, "safety system"),
        ([""], 2, "nothing to draw"),
        (["a cat", "-m", "dall-e-3", "--size", "640x480"], 2, "1024x1792"),
        (["a cat", "--size", "big"], 2, "--size"),
        (["a cat", "--edit", "/nonexistent.png"], 3, "/nonexistent.png"),
        (["a cat", "--mask", "m.png"], 2, "--edit"),
    ],
)
def test_bad_requests_are_one_line_and_write_nothing(
    aigc_api: Aigc,
    media: FakeOpenAI,
    tmp_path: Path,
    args: list[str],
    code: int,
    says: str,
) -> None:
    out = tmp_path / "out"
    r = aigc_api("image", *args, "-o", str(out) + "/")
    assert r.code == code, r.err
    assert says in r.err and "Traceback" not in r.err
    assert not out.exists() or list(out.iterdir()) == []


def test_from_last_draws_the_last_answer(aigc_api: Aigc, media: FakeOpenAI, tmp_path: Path) -> None:
    media.push(Reply(text="Our beta launches in March with three new features."))
    assert aigc_api("ask", "summarize our plans").code == 0
    media.push(Reply(text="A rocket lifting off beside three glowing gift boxes"))
    r = aigc_api("image", "--from-last", "-o", str(tmp_path))
    assert r.code == 0, r.err
    asked = media.chat_requests[-1]["json"]["messages"]
    assert "Our beta launches in March" in asked[-1]["content"]
    sent = [q for q in media.requests if q["path"].endswith("/images/generations")][-1]["json"]
    assert sent["prompt"] == "A rocket lifting off beside three glowing gift boxes"
    assert "drawing: A rocket" in r.err


def test_the_local_backend_cannot_draw(aigc: Aigc, tmp_path: Path) -> None:
    r = aigc("image", "a cat", "-b", "local", "-o", str(tmp_path))
    assert r.code == 3 and "cannot draw" in r.err


def _spawn(aigc_api: Aigc, *args: str):
    import pexpect

    from tests.conftest import AIGC

    import fcntl
    import struct
    import termios

    child = pexpect.spawn(AIGC, list(args), env=dict(aigc_api.env), dimensions=(30, 100), timeout=30)
    # a terminal says its size in pixels too (rows, cols, width, height), as kitty, iTerm2 and xterm do
    fcntl.ioctl(child.child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 1000, 600))
    return child


def test_a_sixel_terminal_gets_thumbnails(aigc_api: Aigc, media: FakeOpenAI, tmp_path: Path) -> None:
    import pexpect

    # textual-image waits 0.1 s for the terminal's answer: on a loaded machine a late answer means the
    # line form, so the terminal's side is played up to three times
    for _ in range(3):
        child = _spawn(aigc_api, "image", "a small square", "-o", str(tmp_path))
        child.delaybeforesend = None
        child.expect_exact("\x1b[c")  # textual-image asks the terminal what it is
        child.send("\x1b[?62;4c")  # a VT340-like answer: sixel graphics supported
        if child.expect(["\x1bP[0-9;]*q", "🖼".encode(), pexpect.EOF]) == 0:  # a sixel image (DCS ... q)
            child.expect(pexpect.EOF)
            assert "🖼" not in child.before.decode("utf-8", "replace")
            return
        child.expect(pexpect.EOF)
    raise AssertionError("no sixel image was drawn")


def test_a_terminal_without_graphics_gets_one_line_per_picture(
    aigc_api: Aigc, media: FakeOpenAI, tmp_path: Path
) -> None:
    child = _spawn(aigc_api, "image", "a small square", "-o", str(tmp_path))
    child.expect_exact("🖼".encode())  # nobody answered the query: the line form, no picture data
    out = child.before.decode("utf-8", "replace")
    assert "\x1bP" not in out
    child.expect(pexpect_eof())


def pexpect_eof():
    import pexpect

    return pexpect.EOF
