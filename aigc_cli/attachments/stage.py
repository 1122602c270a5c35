"""The turn's attachment stage: check the model can take them, put the pictures on
the user message, resend earlier turns' pictures (``-c``), and store what was sent.

Called from ``session.turn.run_turn`` right after the backend and model are
chosen and the messages built, before anything is sent or stored. A picture for
a model that cannot see is a UsageError (exit 2) naming the model; a PDF's
scanned page is only named as skipped when the PDF has text to send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aigc_cli.attachments.model import Loaded, Picture
from aigc_cli.errors import UsageError
from aigc_cli.messages import ImagePart, Message

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.store.attachments import AttachmentRow
    from aigc_cli.store.db import Conversation, Store

VISION_HINT = (
    "pick a model that sees (the vision column of `aigc models list`), e.g. -m gpt-4o-mini, "
    "or `aigc config set models.NAME.vision true` for a model the table does not know"
)


@dataclass
class Attached:
    """What the stage did: the pictures sent with the new message, and notices."""

    loaded: Loaded | None = None
    sent: list[Picture] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def store(self, store: "Store", message_id: int) -> None:
        """Record the attachments on the stored question (after ``begin_turn``)."""
        if self.loaded is None or not self.loaded.items:
            return
        from aigc_cli.store import attachments as stored

        stored.save(store, message_id, rows(self.loaded, self.sent))


def apply(
    messages: list[Message],
    loaded: Loaded | None,
    backend: "Backend",
    model: str,
    store: "Store | None" = None,
    conv: "Conversation | None" = None,
    budget: int | None = None,
) -> tuple[list[Message], Attached]:
    """The messages with pictures on them; raises before anything is sent if the model cannot see.

    ``budget`` (the prompt's room in tokens): earlier turns' images are left
    out first, oldest first, when the request would not fit with them.
    """
    sees = backend.supports_vision(model)
    done = Attached(loaded=loaded)
    if loaded is not None and loaded.items:
        done.sent = _choose(loaded, sees, model, done.notices)
        from aigc_cli.attachments.model import line

        done.notices[:0] = [f"attached {line(a)}" for a in loaded.items]  # one line each, on stderr
    messages = _with_history_images(messages, store, conv, sees, model, done.notices)
    if done.sent:
        last = messages[-1]
        parts = [part_of(p) for p in done.sent]
        messages = [*messages[:-1], last.model_copy(update={"images": [*last.images, *parts]})]
    if budget is not None and any(m.images for m in messages[:-1]):
        over = backend.count_tokens(messages, model) - budget
        if over > 0:
            messages, dropped = drop_old_images(messages, over)
            done.notices.append(f"left out {dropped} earlier image(s) to fit {model}'s window")
    return messages, done


def part_of(p: Picture) -> ImagePart:
    return ImagePart(url=p.data_url(), width=p.width, height=p.height)


def _choose(loaded: Loaded, sees: bool, model: str, notices: list[str]) -> list[Picture]:
    """The pictures to send; a required one (an image) for a model that cannot see is refused."""
    pictures = loaded.pictures()
    if sees or not pictures:
        return pictures
    blind = next((a for a in loaded.items if a.needs_sight), None)
    if blind is not None:
        what = "an image" if blind.kind == "image" else "a scan with no text layer"
        raise UsageError(f"{blind.name} is {what}, but {model} cannot see images; nothing was sent", hint=VISION_HINT)
    for p in pictures:
        notices.append(f"skipped {p.label}: it has no text layer and {model} cannot see images")
    return []


def _with_history_images(
    messages: list[Message],
    store: "Store | None",
    conv: "Conversation | None",
    sees: bool,
    model: str,
    notices: list[str],
) -> list[Message]:
    """Earlier turns' pictures back on their questions (``-c``/``--cid``), for a model that sees."""
    if store is None or conv is None or len(messages) < 2:
        return messages
    from aigc_cli.store import attachments as stored
    from aigc_cli.store.rows import context_rows

    asked = [m for m in context_rows(store.messages(conv.id)) if m.role == "user"]
    found = stored.for_messages(store, [m.id for m in asked], with_data=True)
    if not found:
        return messages
    out = list(messages)
    users = [i for i, m in enumerate(out[:-1]) if m.role == "user"]
    left_out = 0
    for i, row in zip(users, asked, strict=False):
        pics = [r for r in found.get(row.id, []) if r.data is not None]
        if not pics or out[i].content != row.content:
            continue
        if not sees:
            left_out += len(pics)
            continue
        import base64

        parts = [
            ImagePart(
                url=f"data:{r.mime};base64,{base64.b64encode(r.data or b'').decode('ascii')}",
                width=r.width or 0,
                height=r.height or 0,
            )
            for r in pics
        ]
        out[i] = out[i].model_copy(update={"images": parts})
    if left_out:
        notices.append(f"left out {left_out} earlier image(s): {model} cannot see images")
    return out


def rows(loaded: Loaded, sent: list[Picture]) -> list["AttachmentRow"]:
    """What the store records for a turn: one row per picture sent, one for text-only kinds."""
    from aigc_cli.store.attachments import AttachmentRow

    sent_ids = {id(p) for p in sent}
    out: list[AttachmentRow] = []
    for pos, a in enumerate(loaded.items):
        pics = [p for p in a.pictures if id(p) in sent_ids]
        base: dict[str, Any] = {"position": pos, "kind": a.kind, "name": a.name, "size": a.size, "source": a.source}
        if not pics:
            out.append(AttachmentRow(part=0, label=a.title, **base))
        for part, p in enumerate(pics):
            out.append(
                AttachmentRow(
                    part=part, label=p.label, mime=p.mime, width=p.width, height=p.height, data=p.data, **base
                )
            )
    return out


def drop_old_images(messages: list[Message], over: int) -> tuple[list[Message], int]:
    """Earlier turns' images left out, oldest first, until ``over`` tokens are saved."""
    from aigc_cli.tokens import image_tokens

    out = list(messages)
    dropped = 0
    for i, m in enumerate(out[:-1]):
        if over <= 0:
            break
        if m.images:
            over -= sum(image_tokens(p.width, p.height, p.detail) for p in m.images)
            dropped += len(m.images)
            out[i] = m.model_copy(update={"images": []})
    return out, dropped


def for_turn(
    messages: list[Message],
    loaded: Loaded | None,
    backend: "Backend",
    model: str,
    settings: "Settings",
    store: "Store | None",
    conv: "Conversation | None",
) -> tuple[list[Message], Attached]:
    """``apply`` as ``run_turn`` calls it: the budget is the window less the answer's room."""
    if loaded is None and (conv is None or store is None):
        return messages, Attached()
    budget = backend.context_window(model) - settings.context.reserve_output
    return apply(messages, loaded, backend, model, store, conv, budget)
