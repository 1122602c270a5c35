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
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise BadFile(
                    f"{label}: the image is {img.width}x{img.height} pixels, over the cap of "
                    f"{MAX_PIXELS // 1_000_000} megapixels"
                )
            fmt = (img.format or "").upper()
            if original:
                img.load()
                return Picture(
                    data=data,
                    mime=Image.MIME.get(fmt, "image/png"),
                    width=img.width,
                    height=img.height,
                    label=label,
                    optional=optional,
                )
            return _reencoded(img, fmt, label, optional)
    except BadFile:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise BadFile(f"{label}: not a readable image ({exc})") from None


# EXIF orientation -> the transpose that shows the image upright (what ImageOps.exif_transpose does)
_UPRIGHT = {
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}
DRAFT_SLACK = 0.9  # a JPEG decoded at a DCT scale within 10% under the target is sent at that size


def _reencoded(img: "PILImage", fmt: str, label: str, optional: bool) -> Picture:
    """Downscale, orient and re-encode from the pixels alone (no metadata carried over).

    Sizes are worked out in the stored orientation, so the (slow) resize and the
    rotation run on the small image. A JPEG is decoded at the smallest DCT scale
    (1/2, 1/4, 1/8) that is at least 90% of the target: a 4000×3000 photo decodes
    straight to 1000×750 and needs no resize at all.
    """
    from PIL import Image

    orientation = img.getexif().get(0x0112, 1)
    swap = orientation in (5, 6, 7, 8)

    def stored_target(w: int, h: int) -> tuple[int, int]:
        tw, th = target_size(*((h, w) if swap else (w, h)))
        return (th, tw) if swap else (tw, th)

    if fmt == "JPEG":
        sw, sh = stored_target(*img.size)
        img.draft("RGB", (int(sw * DRAFT_SLACK) or 1, int(sh * DRAFT_SLACK) or 1))
    keep_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    pic = img.convert("RGBA" if keep_alpha else "RGB")  # an animation gives its first frame
    size = stored_target(*pic.size)
    if pic.size != size:
        pic = pic.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
    if orientation in _UPRIGHT:
        pic = pic.transpose(getattr(Image.Transpose, _UPRIGHT[orientation]))
    clean = Image.frombytes(pic.mode, pic.size, pic.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG" or (fmt == "WEBP" and not keep_alpha):
        clean.save(out, "JPEG", quality=JPEG_QUALITY)
        mime = "image/jpeg"
    else:  # PNG, GIF, WebP with transparency: lossless (screenshots keep sharp text); fast zlib level
        clean.save(out, "PNG", compress_level=1)
        mime = "image/png"
    return Picture(
        data=out.getvalue(), mime=mime, width=clean.width, height=clean.height, label=label, optional=optional
    )
