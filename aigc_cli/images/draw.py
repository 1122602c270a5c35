"""`aigc image`: the one core call that draws, saves, prices and records pictures.

The backend is chosen as for text (an images API needs an API backend). A size
the model is known not to draw is refused before sending; the provider's own
refusals (content policy, an unknown model) come back as its one-line error.
Each generation is one stored turn (recipe ``image``): the prompt as the
question, the files, size, model and revised prompt as the answer, and the
cost. The picture bytes stay in the files the user chose.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel

from aigc_cli.errors import UsageError

if TYPE_CHECKING:
    from aigc_cli.config import Settings

MAX_N = 10
FROM_LAST_SYSTEM = (
    "You write prompts for an image generator. Given a text, reply with one concise prompt (one or two "
    "sentences, no preamble, no quotes) describing a single picture that would illustrate it well."
)


class Drawn(BaseModel):
    path: str
    width: int | None = None
    height: int | None = None
    bytes: int = 0
    revised_prompt: str | None = None


class ImageResult(BaseModel):
    prompt: str
    images: list[Drawn]
    backend: str
    model: str
    size: str | None
    quality: str | None
    cost: float | None
    conversation_id: str | None = None


def _check(prompt: str, size: str | None, n: int, sizes: list[str] | None, model: str) -> None:
    if not prompt.strip():
        raise UsageError("nothing to draw", hint='aigc image "a lighthouse at dawn, watercolour"')
    if not 1 <= n <= MAX_N:
        raise UsageError(f"-n must be between 1 and {MAX_N}")
    if size is not None and not re.fullmatch(r"\d{2,5}x\d{2,5}", size):
        raise UsageError(f"--size must look like 1024x1024, not {size!r}")
    if size is not None and sizes is not None and size not in sizes:
        raise UsageError(f"{model} does not draw {size}", hint=f"sizes it draws: {', '.join(sizes)}")


def draw(
    prompt: str,
    settings: "Settings",
    *,
    backend: str | None = None,
    model: str | None = None,
    size: str | None = None,
    n: int = 1,
    quality: str | None = None,
    edit: bytes | None = None,
    mask: bytes | None = None,
    out: str | None = None,
    log: bool = True,
) -> ImageResult:
    """Draw ``n`` pictures (or edit ``edit``), save them, record the generation."""
    from aigc_cli.images import files
    from aigc_cli.session.choose import pick_backend

    be = pick_backend(settings, backend, None)
    model = model or be.default_image_model or "gpt-image-1"
    _check(prompt, size, n, be.image_sizes(model), model)
    found = be.images(prompt, model=model, size=size, n=n, quality=quality, edit=edit, mask=mask)
    folder, stem = files.targets(out, prompt, len(found))
    drawn = []
    for i, img in enumerate(found, 1):
        data = img.data or b""
        path = files.save(folder, stem, data, i if len(found) > 1 else None)
        wh = files.png_size(data)
        drawn.append(
            Drawn(
                path=str(path.resolve()),
                width=wh[0] if wh else None,
                height=wh[1] if wh else None,
                bytes=len(data),
                revised_prompt=img.revised_prompt,
            )
        )
    each = be.image_price(model, size, quality)
    result = ImageResult(
        prompt=prompt,
        images=drawn,
        backend=be.name,
        model=model,
        size=size,
        quality=quality,
        cost=None if each is None else each * len(drawn),
    )
    if log and settings.log:
        result.conversation_id = _record(result)
    return result


def _record(result: ImageResult) -> str:
    from aigc_cli.store.db import Store

    lines = [
        f"Drew {len(result.images)} picture{'s' if len(result.images) != 1 else ''} with {result.model}"
        + (f", {result.size}" if result.size else "")
        + (f", {result.quality}" if result.quality else "")
        + ":"
    ]
    for d in result.images:
        lines.append(f"- {d.path}" + (f" ({d.width}×{d.height})" if d.width else ""))
    revised = {d.revised_prompt for d in result.images if d.revised_prompt}
    lines += [f"Revised prompt: {r}" for r in sorted(revised)]
    store = Store.open()
    assert store is not None
    with store:
        cid, uid = store.begin_turn(None, result.prompt, backend=result.backend, model=result.model, recipe="image")
        store.finish_turn(cid, uid, "\n".join(lines), model=result.model, cost=result.cost)
    return cid


def prompt_from_last(settings: "Settings", *, backend: str | None = None, model: str | None = None) -> str:
    """A concise picture prompt for the last answer of the most recent conversation."""
    from aigc_cli.messages import GenOptions
    from aigc_cli.session.request import TurnRequest
    from aigc_cli.session.turn import run_turn
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    last = None
    if store is not None:
        with store:
            conv = next((c for c in store.list(20) if c.recipe != "image"), None)  # not a picture's own turn
            msgs = store.messages(conv.id) if conv is not None else []
            last = next((m.content for m in reversed(msgs) if m.role == "assistant" and m.content.strip()), None)
    if not last:
        raise UsageError("there is no answer to illustrate yet", hint='write one first: aigc write "..."')
    req = TurnRequest(
        prompt=last[:8000],
        system=FROM_LAST_SYSTEM,
        backend=backend,
        log=False,
        memory=False,
        stream=False,
        options=GenOptions(model=model, max_tokens=200),
    )
    result = run_turn(req, settings)
    result.raise_error()
    text = " ".join(result.answer.text.split()).strip().strip('"')
    if not text:
        raise UsageError("the model gave no picture prompt for the last answer")
    return text
