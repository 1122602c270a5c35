"""Preparing an image to send: decode, apply EXIF orientation, downscale, strip, re-encode.

What is sent (and stored) is a new image made from the pixels alone, so no
metadata of the original survives: EXIF (GPS position, camera, dates), XMP,
IPTC, comments, text chunks and ICC profiles are all left behind. Pillow is
imported here only, when an image is attached.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from aigc_cli.attachments.model import Picture
from aigc_cli.errors import BadFile

# OpenAI's high-detail rule: fit 2048 x 2048, then a shortest side of 768; a
# model never sees more, so sending more only costs upload time
LONG_SIDE = 2048
SHORT_SIDE = 768
MAX_PIXELS = 100_000_000  # decoding more is refused (a decompression bomb, or a mistake)
JPEG_QUALITY = 85

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage


def target_size(width: int, height: int, long_side: int = LONG_SIDE, short_side: int = SHORT_SIDE) -> tuple[int, int]:
    """The size an image is sent at: never larger than it is, within both limits."""
    scale = min(1.0, long_side / max(width, height), short_side / min(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def prepare(data: bytes, label: str, *, original: bool = False, optional: bool = False) -> Picture:
    """``data`` (PNG, JPEG, GIF or WebP) as a Picture ready to send.

    ``original`` (``--attach-original``) keeps the bytes as they are, after
    checking that they decode. A corrupt or oversized image is a BadFile (exit 3).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise BadFile(f"{label}: the image is {img.width}x{img.height} pixels, over the cap of "
                              f"{MAX_PIXELS // 1_000_000} megapixels")
            fmt = (img.format or "").upper()
            if original:
                img.load()
                return Picture(data=data, mime=Image.MIME.get(fmt, "image/png"), width=img.width,
                               height=img.height, label=label, optional=optional)
            return _reencoded(img, fmt, label, optional)
    except BadFile:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise BadFile(f"{label}: not a readable image ({exc})") from None


def _reencoded(img: "PILImage", fmt: str, label: str, optional: bool) -> Picture:
    """Orient, downscale and re-encode from the pixels alone (no metadata carried over)."""
    from PIL import Image, ImageOps

    orientation = img.getexif().get(0x0112, 1)
    w, h = img.size
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    tw, th = target_size(w, h)
    if fmt == "JPEG":
        # decode at a reduced scale straight from the DCT: 4000x3000 in a fraction of the time
        img.draft("RGB", (th, tw) if orientation in (5, 6, 7, 8) else (tw, th))
    pic = ImageOps.exif_transpose(img)  # an animation gives its first frame
    keep_alpha = pic.mode in ("RGBA", "LA", "PA") or (pic.mode == "P" and "transparency" in pic.info)
    pic = pic.convert("RGBA" if keep_alpha else "RGB")
    if pic.size != (tw, th):
        pic = pic.resize((tw, th), Image.LANCZOS, reducing_gap=3.0)
    clean = Image.frombytes(pic.mode, pic.size, pic.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG" or (fmt == "WEBP" and not keep_alpha):
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False)
        mime = "image/jpeg"
    else:  # PNG, GIF, WebP with transparency: lossless (screenshots keep sharp text)
        clean.save(out, "PNG", optimize=False)
        mime = "image/png"
    return Picture(data=out.getvalue(), mime=mime, width=tw, height=th, label=label, optional=optional)

