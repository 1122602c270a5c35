"""A PDF as text page by page, with its scanned pages (no text layer) as page images.

Text comes from pypdf (as ``kb`` reads PDFs); a page without text is rendered
with pypdfium2 (PDFium, the renderer Chrome uses) and prepared like any image,
then sent only to a model that sees (``stage.py``); for one that does not it is
named as skipped. Both are imported here only, when a PDF is attached.
"""

from __future__ import annotations

import io

from aigc_cli.attachments.image import prepare
from aigc_cli.attachments.model import Attachment, Picture
from aigc_cli.errors import BadFile

MAX_PAGES = 500
MAX_TEXT_CHARS = 2_000_000  # the whole PDF's text; more is refused, not cut
MAX_PAGE_IMAGES = 20  # scanned pages rendered per PDF
RENDER_LONG_SIDE = 1536  # pixels; the image rule downsizes further if needed


def read_pdf(data: bytes, name: str) -> Attachment:
    """``data`` as an Attachment: ``text`` with ``--- page N ---`` markers, pictures for scans."""
    pages = _page_texts(data, name)
    scanned = [i for i, text in enumerate(pages) if not text.strip()]
    if len(scanned) > MAX_PAGE_IMAGES:
        raise BadFile(f"{name}: {len(scanned)} pages have no text layer, over the cap of {MAX_PAGE_IMAGES} page images")
    pictures = _render(data, name, scanned) if scanned else []
    parts = []
    for i, text in enumerate(pages, 1):
        body = text.strip() or "(no text layer: sent as a page image)"
        parts.append(f"--- page {i} ---\n{body}")
    text = "\n\n".join(parts)
    if len(text) > MAX_TEXT_CHARS:
        raise BadFile(f"{name}: its text is {len(text):,} characters, over the cap of {MAX_TEXT_CHARS:,}")
    return Attachment(
        kind="pdf", name=name, size=len(data), text=text, pictures=pictures, needs_sight=len(scanned) == len(pages)
    )


def _page_texts(data: bytes, name: str) -> list[str]:
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns on every odd object
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise BadFile(f"{name}: the PDF is encrypted")
        count = len(reader.pages)
        if count > MAX_PAGES:
            raise BadFile(f"{name}: {count} pages, over the cap of {MAX_PAGES} pages")
        if count == 0:
            raise BadFile(f"{name}: the PDF has no pages")
        return [page.extract_text() or "" for page in reader.pages]
    except BadFile:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged files
        raise BadFile(f"{name}: not a readable PDF ({type(exc).__name__})") from None


def _render(data: bytes, name: str, indexes: list[int]) -> list[Picture]:
    """The pages at ``indexes`` (0-based) as prepared images."""
    import pypdfium2 as pdfium

    out: list[Picture] = []
    try:
        doc = pdfium.PdfDocument(data)
        try:
            for i in indexes:
                page = doc[i]
                w, h = page.get_size()  # points (1/72 inch)
                bitmap = page.render(scale=RENDER_LONG_SIDE / max(w, h, 1))
                buf = io.BytesIO()
                bitmap.to_pil().save(buf, "PNG")
                out.append(prepare(buf.getvalue(), f"{name} page {i + 1}", optional=True))
        finally:
            doc.close()
    except BadFile:
        raise
    except Exception as exc:  # noqa: BLE001 - PDFium errors on damaged pages
        raise BadFile(f"{name}: cannot render its pages without text ({type(exc).__name__})") from None
    return out
