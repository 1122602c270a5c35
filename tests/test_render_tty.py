"""What a person sees: `aigc ask` in a real pseudo-terminal (pexpect, 100x40),
its output replayed through a terminal emulator (pyte) to read the screen.
Plus the block splitter and renderer in-process against rich's own rendering
of the whole answer, to check that streaming changes nothing on screen."""

from __future__ import annotations

import io
import random
import re

import pexpect
import pyte
import pytest
from rich.console import Console
from rich.markdown import Markdown

from aigc_cli.render import BlockSplitter, MarkdownRenderer, PlainRenderer
from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply

ROWS, COLS = 40, 100
COLOUR_SGR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")
ANY_ESCAPE = re.compile(r"\x1b")


def spawn(env: dict[str, str], *args: str, term: str = "xterm-256color") -> pexpect.spawn:
    return pexpect.spawn(
        AIGC,
        list(args),
        env={**env, "TERM": term},
        dimensions=(ROWS, COLS),
        encoding="utf-8",
        timeout=30,
    )


def run_in_pty(env: dict[str, str], *args: str, term: str = "xterm-256color") -> tuple[str, int]:
    """Everything the program wrote to the terminal, and its exit status."""
    child = spawn(env, *args, term=term)
    child.expect(pexpect.EOF)
    child.close()
    return child.before, child.exitstatus


def screen_lines(raw: str, cols: int = COLS, rows: int = ROWS) -> list[str]:
    """The terminal's scrollback plus screen after replaying ``raw``."""
    screen = pyte.HistoryScreen(cols, rows, history=100_000)
    pyte.Stream(screen).feed(raw)
    history = ["".join(ch.data for ch in line.values()).rstrip() for line in screen.history.top]
    lines = history + [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def screen_text(raw: str) -> str:
    return "\n".join(screen_lines(raw))


# --------------------------------------------------------- in a real terminal


def test_bold_markdown_shows_without_asterisks(aigc_api, fake):
    fake.push(Reply(text="Paris is the **capital** of France."))
    raw, status = run_in_pty(aigc_api.env, "ask", "capital?")
    assert status == 0
    assert "Paris is the capital of France." in screen_text(raw)
    assert "**" not in raw
    assert "\x1b[1m" in raw  # bold


def test_code_fence_renders_as_a_code_block(aigc_api, fake):
    fake.push(Reply(text="Try this:\n\n```python\nprint('hi')\n```\n\nDone."))
    raw, status = run_in_pty(aigc_api.env, "ask", "code?")
    text = screen_text(raw)
    assert status == 0
    assert "print('hi')" in text
    assert "```" not in text
    assert text.index("Try this:") < text.index("print('hi')") < text.index("Done.")


def test_code_block_is_coloured_on_a_colour_terminal(aigc_api, fake):
    fake.push(Reply(text="```python\ndef f(x):\n    return x + 1\n```\n"))
    raw, _ = run_in_pty(aigc_api.env, "ask", "code?")
    assert COLOUR_SGR.search(raw)


def test_no_color_gives_no_colour_escapes(aigc_api, fake):
    fake.push(Reply(text="# Title\n\n```python\ndef f(x):\n    return x + 1\n```\n"))
    raw, status = run_in_pty({**aigc_api.env, "NO_COLOR": "1"}, "ask", "code?")
    assert status == 0
    assert "def f(x):" in screen_text(raw)
    assert not COLOUR_SGR.search(raw)


def test_dumb_terminal_gets_plain_text(aigc_api, fake):
    fake.push(Reply(text="Some **bold** and `code`."))
    raw, status = run_in_pty(aigc_api.env, "ask", "x", term="dumb")
    assert status == 0
    assert raw.replace("\r\n", "\n") == "Some **bold** and `code`.\n"
    assert not ANY_ESCAPE.search(raw)


def test_spinner_shows_until_the_first_token(aigc_api, fake):
    fake.push(Reply(text="The answer.", first_delay=1.5))
    child = spawn(aigc_api.env, "ask", "slow?")
    child.expect("thinking")
    before_answer = child.before
    child.expect(pexpect.EOF)
    raw = before_answer + "thinking" + child.before
    assert "The answer." not in before_answer
    assert "The answer." in screen_text(raw)
    assert "thinking" not in screen_text(raw)  # the spinner is gone once text arrives


def test_code_block_taller_than_the_screen_is_shown_whole_and_once(aigc_api, fake):
    code = [f"line_{i:03d} = {i}" for i in range(3 * ROWS)]
    text = "Code:\n\n```python\n" + "\n".join(code) + "\n```\n\nEnd."
    fake.push(Reply(text=text, chunks=[line + "\n" for line in text.split("\n")], chunk_delay=0.005))
    raw, status = run_in_pty(aigc_api.env, "ask", "long code")
    lines = screen_lines(raw)
    assert status == 0
    shown = [line.strip() for line in lines if line.strip().startswith("line_")]
    assert shown == code


def test_long_answer_scrolls_into_history_in_order(aigc_api, fake):
    paras = [f"Paragraph {i} says something useful." for i in range(2 * ROWS)]
    fake.push(Reply(text="\n\n".join(paras), chunk_delay=0.001))
    raw, status = run_in_pty(aigc_api.env, "ask", "long")
    shown = [line for line in screen_lines(raw) if line.startswith("Paragraph")]
    assert status == 0
    assert shown == paras


def test_ctrl_c_mid_answer_leaves_the_text_on_screen(aigc_api, fake):
    paras = [f"Point {i} of the answer." for i in range(100)]
    fake.push(Reply(text="\n\n".join(paras), chunk_delay=0.05))
    child = spawn(aigc_api.env, "ask", "many points")
    child.expect("Point 3 ")
    seen = child.before + "Point 3 "
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    text = screen_text(seen + child.before)
    assert child.exitstatus == 130
    for i in range(3):
        assert f"Point {i} of the answer." in text
    assert "Point 99" not in text
    assert "interrupted" in text


# ----------------------------------------------------- in-process, exactly


def _render_whole(text: str, height: int) -> list[str]:
    console = Console(file=io.StringIO(), force_terminal=True, width=80, height=height, color_system=None)
    console.print(Markdown(text))
    return screen_lines(console.file.getvalue().replace("\n", "\r\n"), 80, height)


def _render_streamed(text: str, height: int, seed: int, biggest: int = 9) -> list[str]:
    console = Console(file=io.StringIO(), force_terminal=True, width=80, height=height, color_system=None)
    renderer = MarkdownRenderer(console=console)
    rnd = random.Random(seed)
    i = 0
    while i < len(text):
        n = rnd.randint(1, biggest)
        renderer.write(text[i : i + n])
        i += n
    renderer.finish()
    return screen_lines(console.file.getvalue().replace("\n", "\r\n"), 80, height)


SAMPLES = {
    "mixed": (
        "# Title\nText under the title.\n\nSome **bold** and `code`.\nSecond line.\n\n"
        "- one\n- two\n\n1. first\n\n2. second\n\n   more of second\n\nHere is code:\n"
        "```python\ndef f():\n\n    return 1\n```\n````md\n```inner```\n````\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n\n---\n\nAfter the rule.\n"
    ),
    "tall fence": "Intro\n\n```\n" + "\n".join(f"row {i}" for i in range(90)) + "\n```\nOutro\n",
    "chinese": "## 标题\n\n这是一个段落，包含**粗体**和`代码`。\n\n- 第一项\n- 第二项\n\n结束。\n",
    "unclosed fence": "Start\n\n```sh\necho one\necho two",
    "no final newline": "First paragraph.\n\nSecond paragraph.",
    "inline triple backticks": "Use ```x``` inline.\n\nNext paragraph.\n",
    "paragraph taller than the screen": "Intro.\n\n" + " ".join(f"word{i}" for i in range(600)) + "\n\nEnd.",
}


@pytest.mark.parametrize("name", SAMPLES)
def test_streamed_rendering_matches_rendering_the_whole_answer(name):
    text = SAMPLES[name]
    assert _render_streamed(text, 24, seed=len(name)) == _render_whole(text, 24)


def test_whole_answer_in_one_piece_renders_the_same():
    # --no-stream hands the renderer everything in a single write
    text = SAMPLES["mixed"]
    assert _render_streamed(text, 24, seed=0, biggest=len(text)) == _render_whole(text, 24)


def test_splitter_hands_out_every_block_once_in_order():
    text = SAMPLES["mixed"] * 5
    splitter = BlockSplitter()
    blocks: list[str] = []
    for i in range(0, len(text), 3):
        blocks.extend(splitter.feed(text[i : i + 3]))
    blocks.append(splitter.rest())
    assert "".join(blocks).replace("\n", "") == text.replace("\n", "")


def test_preview_of_a_huge_fence_stays_one_screen():
    splitter = BlockSplitter()
    splitter.feed("```python\n" + "".join(f"x = {i}\n" for i in range(5000)))
    preview = splitter.preview(max_lines=40, max_chars=4000)
    assert preview.splitlines()[0] == "```python"
    assert len(preview.splitlines()) <= 40
    assert preview.rstrip().endswith("x = 4999")


def test_plain_renderer_ends_the_answer_with_one_newline():
    out = io.StringIO()
    renderer = PlainRenderer(out)
    for piece in ("no ", "newline ", "at the end"):
        renderer.write(piece)
    renderer.finish()
    assert out.getvalue() == "no newline at the end\n"
