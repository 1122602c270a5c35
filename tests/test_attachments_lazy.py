"""Attachment libraries are imported only when an attachment needs them (issue #22):
`--help`, the history and a text attachment never load Pillow, pypdf, pypdfium2 or trafilatura."""

from __future__ import annotations

import pytest

from tests.test_lazy_imports import imported_modules

ATTACH_LIBS = ("PIL", "pypdf", "pypdfium2", "trafilatura")


def _heavy(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in ATTACH_LIBS}


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["ask", "--help"],
        ["transcribe", "--help"],
        ["chat", "--help"],
        ["history", "list"],
        ["models", "list"],
    ],
)
def test_no_attachment_library_without_an_attachment(home, args) -> None:
    names = imported_modules(home, *args)
    assert names, "importtime listed nothing"
    assert _heavy(names) == set()


def test_a_text_attachment_loads_no_image_or_pdf_library(home, tmp_path) -> None:
    note = tmp_path / "n.txt"
    note.write_text("hello", encoding="utf-8")
    names = imported_modules(home, "ask", "--no-log", "-b", "local", "-m", "/nonexistent.gguf", "-a", str(note), "hi")
    assert "aigc_cli.attachments.load" in names  # the attachment was read...
    assert _heavy(names) == set()  # ...without Pillow, pypdf, pypdfium2 or trafilatura
