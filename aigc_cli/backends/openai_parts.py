"""A message's images on the chat-completions wire (attachments, issue #22).

A user message with images is sent as content parts: its text first, then one
``image_url`` part per image (a ``data:`` URL of the prepared bytes, or an
http(s) URL), as the API documents. Messages without images stay plain strings,
which every compatible server understands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aigc_cli.messages import Message


def with_images(wire: list[dict[str, Any]], messages: Sequence[Message]) -> list[dict[str, Any]]:
    """``wire`` (the messages in API form, same order) with each message's images as parts."""
    for out, m in zip(wire, messages, strict=True):
        if m.images:
            text = out.get("content") or ""
            out["content"] = [
                *([{"type": "text", "text": text}] if text else []),
                *({"type": "image_url", "image_url": {"url": p.url, "detail": p.detail}} for p in m.images),
            ]
    return wire
