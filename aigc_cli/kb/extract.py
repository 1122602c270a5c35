"""Text out of a file: Markdown, plain text and code as they are; HTML and PDF parsed.

The text keeps the file's line structure where it has one (so a passage's
line range points into the file); HTML headings become Markdown headings so
the chunker sees the same structure, and each PDF page becomes a ``# Page N``
section. A file we cannot turn into text raises ``Unreadable`` with a reason
short enough for one line on stderr.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html.parser import HTMLParser

from aigc_cli.kb.files import looks_binary

HTML_EXT = {".html", ".htm", ".xhtml"}
PDF_EXT = {".pdf"}
MARKDOWN_EXT = {".md", ".markdown", ".mdx", ".rst", ".txt", ".org"}


class Unreadable(Exception):
    """This file cannot be indexed; the message says why, in a few words."""


@dataclass(slots=True)
class Extracted:
    text: str
    kind: str  # markdown | text | html | pdf


def kind_of(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext in HTML_EXT:
        return "html"
    if ext in PDF_EXT:
        return "pdf"
    if ext in MARKDOWN_EXT:
        return "markdown"
    return "text"


def extract(path: str, data: bytes) -> Extracted:
    """The file's text by its kind; raises Unreadable (binary, bad encoding, broken PDF)."""
    kind = kind_of(path)
    if kind == "pdf":
        return Extracted(_pdf(data), kind)
    if looks_binary(data):
        raise Unreadable("binary file")
    text = _decode(data)
    if kind == "html":
        return Extracted(html_to_text(text), kind)
    return Extracted(text, kind)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else UTF-16 with a BOM, else GB18030 (Chinese files)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None


# ------------------------------------------------------------------ HTML

_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "li",
    "tr",
    "br",
    "table",
    "ul",
    "ol",
    "pre",
    "blockquote",
    "dt",
    "dd",
    "header",
    "footer",
    "main",
    "nav",
    "aside",
    "figure",
    "figcaption",
    "hr",
}
_SKIP = {"script", "style", "noscript", "template", "svg", "head"}
_HEADING = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class _TextParser(HTMLParser):
    """Visible text, one block per paragraph, headings as ``#`` lines, the <title> first."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIP:
            self._skip += 1
        elif tag in _HEADING:
            self.parts.append("\n\n" + "#" * _HEADING[tag] + " ")
        elif tag == "pre":
            self._pre += 1
            self.parts.append("\n\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _HEADING or tag in _BLOCK:
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data if self._pre else self._collapse(data))

    def _collapse(self, data: str) -> str:
        """Runs of whitespace as one space, kept at the edges unless a block just began."""
        text = " ".join(data.split())
        if not text:
            return "" if not self.parts or self.parts[-1].endswith((" ", "\n")) else " "
        if data[:1].isspace() and self.parts and not self.parts[-1].endswith((" ", "\n")):
            text = " " + text
        return text + (" " if data[-1:].isspace() else "")


def html_to_text(html: str) -> str:
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    body = "".join(parser.parts)
    lines = [line.rstrip() for line in body.splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    title = " ".join("".join(parser.title).split())
    has_h1 = any(line.startswith("# ") for line in lines)
    return (f"# {title}\n\n" if title and not has_h1 else "") + text.strip() + "\n"


# ------------------------------------------------------------------ PDF


def _pdf(data: bytes) -> str:
    """Each page's text under ``# Page N``; a damaged or encrypted PDF is Unreadable."""
    import io
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns on every odd object
    try:
        from pypdf import PdfReader
    except ImportError:
        raise Unreadable("PDF support needs pypdf: pip install pypdf") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unreadable("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged files
        raise Unreadable(f"cannot parse PDF ({type(exc).__name__})") from None
    if not any(p.strip() for p in pages):
        raise Unreadable("PDF has no text layer")
    return "\n\n".join(f"# Page {i}\n\n{p.strip()}" for i, p in enumerate(pages, 1) if p.strip()) + "\n"
