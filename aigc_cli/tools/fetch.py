"""The ``fetch`` tool: an HTTP(S) GET of a page, as readable Markdown.

The page is read with httpx2 (the HTTP client aigc already ships), at most
``MAX_BYTES`` (a longer page is cut, not refused: the model gets what fits),
following redirects, stoppable between blocks; the text is extracted by
``webpage.readable`` (trafilatura), the reader URL attachments use too.
The result names the final URL, since a redirect may have moved it.
"""

from __future__ import annotations

from typing import Any

from aigc_cli.tools.base import ToolContext, ToolError

MAX_BYTES = 5_000_000


def fetch(args: dict[str, Any], ctx: ToolContext) -> str:
    """GET ``args["url"]``; Markdown for HTML, the text itself for text/JSON."""
    import httpx2

    url = str(args["url"]).strip()
    if not url.lower().startswith(("http://", "https://")):
        raise ToolError("only http:// and https:// URLs can be fetched")
    try:
        with httpx2.Client(follow_redirects=True, timeout=ctx.timeout, headers={"User-Agent": "aigc-fetch"}) as client:
            with client.stream("GET", url) as resp:
                body = _read_capped(resp, ctx)
                final, status, ctype = str(resp.url), resp.status_code, resp.headers.get("content-type", "")
                encoding = resp.encoding or "utf-8"
    except httpx2.HTTPError as exc:
        raise ToolError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from None
    if status >= 400:
        raise ToolError(f"{final} answered HTTP {status}")
    text = body.decode(encoding, "replace")
    if "html" in ctype or text.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        text = _markdown(text, final)
    return f"URL: {final}\n\n{text}"


def _read_capped(resp: Any, ctx: ToolContext) -> bytes:
    parts, size = [], 0
    for piece in resp.iter_bytes():
        if ctx.cancel.is_set():
            raise ToolError("stopped")
        parts.append(piece)
        size += len(piece)
        if size >= MAX_BYTES:
            break
    return b"".join(parts)[:MAX_BYTES]


def _markdown(html: str, url: str) -> str:
    """The page as Markdown, by the reader attachments use too (aigc_cli/webpage.py)."""
    from aigc_cli.webpage import readable

    title, text = readable(html, url)
    body = text or "(the page has no readable text)"
    return f"# {title}\n\n{body}" if title and not body.startswith("#") else body
