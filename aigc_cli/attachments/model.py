"""What an attachment is once loaded: text for the prompt and prepared pictures.

pydantic models: they cross from the session into the turn and the store.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["image", "pdf", "web", "audio", "text"]


class Picture(BaseModel):
    """Image bytes as they are sent and stored: decoded, oriented, stripped of all
    metadata and re-encoded (or the original bytes with ``--attach-original``)."""

    data: bytes
    mime: str
    width: int
    height: int
    label: str  # "receipt.jpg", "scan.pdf page 3"
    optional: bool = False  # a scanned PDF page: sent to a model that sees, else named as skipped

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def data_url(self) -> str:
        import base64

        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


class Attachment(BaseModel):
    """One thing the user attached: its text (PDF, web page, transcript, text file)
    and/or its pictures (an image, a PDF's scanned pages)."""

    kind: Kind
    name: str  # the file name or URL the user gave ("stdin" for -a -)
    size: int  # bytes read
    source: str | None = None  # a web page's final URL (after redirects)
    title: str | None = None  # a web page's title
    text: str | None = None
    pictures: list[Picture] = Field(default_factory=list)
    needs_sight: bool = False  # only pictures to send (an image, a PDF with no text layer at all)


ICONS = {"image": "🖼", "pdf": "📄", "web": "🌐", "audio": "🎙", "text": "📝"}


def line(a: Attachment) -> str:
    """One line per attachment, as the chat lists them: ``🖼 receipt.jpg 1.2 MB → 1024×768``."""
    from aigc_cli.store.attachments import human_size

    out = f"{ICONS.get(a.kind, '📎')} {a.name} {human_size(a.size)}"
    if a.kind == "image" and a.pictures:
        out += f" → {a.pictures[0].width}×{a.pictures[0].height}"
    elif a.pictures:
        out += f" + {len(a.pictures)} page image(s)"
    if a.text is not None and a.kind != "text":
        out += f" · {len(a.text):,} characters of text"
    return out


class Loaded(BaseModel):
    """Everything attached to one turn."""

    items: list[Attachment] = Field(default_factory=list)

    def text_block(self) -> str | None:
        """The attachments' text, each under a ``==> name <==`` header (as --file does)."""
        parts = []
        for a in self.items:
            if a.text is None:
                continue
            head = a.name if a.source in (None, a.name) else f"{a.name} ({a.source})"
            if a.title:
                head += f" - {a.title}"
            parts.append(f"==> {head} <==\n{a.text.rstrip()}")
        return "\n\n".join(parts) if parts else None

    def pictures(self) -> list[Picture]:
        return [p for a in self.items for p in a.pictures]

    def wrap(self, user_input: str) -> str:
        """The user's input with the attachments' text before it, clearly delimited
        (content first, instruction last, as ``inputs.compose`` does)."""
        block = self.text_block()
        if block is None:
            return user_input
        delimited = f"<attachments>\n{block}\n</attachments>"
        return f"{delimited}\n\n{user_input}" if user_input.strip() else delimited
