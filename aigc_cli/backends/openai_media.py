"""Speech and pictures through the OpenAI API (or a compatible server): issue #24.

``/v1/audio/speech`` for `aigc speak` and `--speak`; ``/v1/images/generations``
and ``/v1/images/edits`` for `aigc image`. Pictures come back as base64 (or,
from some servers and dall-e, as URLs, fetched here); prices per picture
are the providers' published ones, by model, size and quality.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from aigc_cli.backends.base import GeneratedImage
from aigc_cli.backends.openai_errors import map_error
from aigc_cli.errors import AigcError, BackendError

SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
DEFAULT_SPEECH_MODEL = "gpt-4o-mini-tts"
DEFAULT_VOICE = "alloy"
DEFAULT_IMAGE_MODEL = "gpt-image-1"
MAX_IMAGE_BYTES = 64 << 20

# USD per picture: (model, size, quality) -> price; quality None is the model's only or default one
IMAGE_PRICES: dict[tuple[str, str, str | None], float] = {
    ("dall-e-2", "256x256", None): 0.016,
    ("dall-e-2", "512x512", None): 0.018,
    ("dall-e-2", "1024x1024", None): 0.020,
    ("dall-e-3", "1024x1024", "standard"): 0.040,
    ("dall-e-3", "1024x1792", "standard"): 0.080,
    ("dall-e-3", "1792x1024", "standard"): 0.080,
    ("dall-e-3", "1024x1024", "hd"): 0.080,
    ("dall-e-3", "1024x1792", "hd"): 0.120,
    ("dall-e-3", "1792x1024", "hd"): 0.120,
    ("gpt-image-1", "1024x1024", "low"): 0.011,
    ("gpt-image-1", "1024x1024", "medium"): 0.042,
    ("gpt-image-1", "1024x1024", "high"): 0.167,
    ("gpt-image-1", "1024x1536", "low"): 0.016,
    ("gpt-image-1", "1024x1536", "medium"): 0.063,
    ("gpt-image-1", "1024x1536", "high"): 0.250,
    ("gpt-image-1", "1536x1024", "low"): 0.016,
    ("gpt-image-1", "1536x1024", "medium"): 0.063,
    ("gpt-image-1", "1536x1024", "high"): 0.250,
}
DEFAULT_QUALITY = {"dall-e-3": "standard", "gpt-image-1": "medium"}
SIZES = {m: sorted({s for (mm, s, _q) in IMAGE_PRICES if mm == m}) for m in ("dall-e-2", "dall-e-3", "gpt-image-1")}


def _call(fn: Callable[[], Any], where: str | None) -> Any:
    try:
        return fn()
    except AigcError:
        raise
    except Exception as exc:
        raise map_error(exc, where) from exc


def speech(
    client: Any, where: str | None, text: str, *, voice: str | None, fmt: str, speed: float, model: str | None
) -> bytes:
    resp = _call(
        lambda: client.audio.speech.create(
            model=model or DEFAULT_SPEECH_MODEL,
            voice=voice or DEFAULT_VOICE,
            input=text,
            response_format=fmt,
            speed=speed,
        ),
        where,
    )
    return bytes(resp.content)


def images(
    client: Any,
    where: str | None,
    prompt: str,
    *,
    model: str | None,
    size: str | None,
    n: int,
    quality: str | None,
    edit: bytes | None,
    mask: bytes | None,
) -> list[GeneratedImage]:
    model = model or DEFAULT_IMAGE_MODEL
    args: dict[str, Any] = {"model": model, "prompt": prompt, "n": n}
    if size:
        args["size"] = size
    if quality and edit is None:
        args["quality"] = quality
    if model.startswith("dall-e"):
        args["response_format"] = "b64_json"
    if edit is None:
        resp = _call(lambda: client.images.generate(**args), where)
    else:
        files = {"image": ("image.png", edit, "image/png")}
        if mask is not None:
            files["mask"] = ("mask.png", mask, "image/png")
        resp = _call(lambda: client.images.edit(**args, **files), where)
    out = []
    for item in resp.data or []:
        data = base64.b64decode(item.b64_json) if getattr(item, "b64_json", None) else None
        if data is None and not getattr(item, "url", None):
            raise BackendError("the images API answered without a picture")
        out.append(
            GeneratedImage(
                data=data, url=item.url if data is None else None, revised_prompt=getattr(item, "revised_prompt", None)
            )
        )
    if not out:
        raise BackendError("the images API answered without a picture")
    return out


def fetch(url: str, timeout: float) -> bytes:
    """A picture the API gave as a URL (bounded in size and time)."""
    import httpx2

    try:
        with httpx2.stream("GET", url, timeout=timeout, follow_redirects=True) as resp:
            resp.raise_for_status()
            chunks, total = [], 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > MAX_IMAGE_BYTES:
                    raise BackendError(f"the picture at {url} is larger than 64 MiB")
                chunks.append(chunk)
    except httpx2.HTTPError as exc:
        from aigc_cli.errors import BackendUnreachable

        raise BackendUnreachable(f"could not fetch the picture at {url}: {exc}") from None
    return b"".join(chunks)


def price(model: str, size: str | None, quality: str | None) -> float | None:
    q = quality or DEFAULT_QUALITY.get(model)
    size = size or "1024x1024"
    return IMAGE_PRICES.get((model, size, q)) or IMAGE_PRICES.get((model, size, None))
