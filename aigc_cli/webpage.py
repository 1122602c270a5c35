"""Reading a URL for the user: a capped, timed GET, and a web page as readable Markdown.

Shared by what reads the web for a turn: URL attachments (issue #22) and the
``fetch`` tool's extraction (tools/fetch.py keeps its own cut-not-refuse GET). The
HTTP client is httpx2, which aigc already ships for the OpenAI SDK; the text
is extracted with trafilatura (boilerplate, menus and scripts dropped), never
by hand-written stripping. Both are imported when a URL is read, not before.
A network failure (refused, unresolvable, timed out) is ``BackendUnreachable``
(exit 4); an answer that is not a page (404, too large) is ``BadFile`` (exit 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from aigc_cli.errors import BackendUnreachable, BadFile

MAX_BYTES = 25_000_000
TIMEOUT_S = 20.0
USER_AGENT = "aigc (+https://github.com/aigc-cli)"


@dataclass(frozen=True)
class Fetched:
    """What a GET returned: the body, its content type and the URL after redirects."""

    data: bytes
    content_type: str
    url: str


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def fetch(url: str, *, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT_S) -> Fetched:
    """GET ``url`` (redirects followed), at most ``max_bytes`` within ``timeout`` seconds overall."""
    import time

    import httpx2

    deadline = time.monotonic() + timeout
    try:
        with httpx2.Client(follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT}) as client:
            with client.stream("GET", url) as resp:
                if resp.status_code >= 400:
                    raise BadFile(f"{url}: the server answered HTTP {resp.status_code}")
                parts, size = [], 0
                for piece in resp.iter_bytes():
                    size += len(piece)
                    if size > max_bytes:
                        raise BadFile(f"{url}: more than {max_bytes // 1_000_000} MB, over the download cap")
                    if time.monotonic() > deadline:
                        raise BackendUnreachable(f"{url}: the download took longer than {timeout:g} s")
                    parts.append(piece)
                return Fetched(b"".join(parts), resp.headers.get("content-type", ""), str(resp.url))
    except httpx2.TimeoutException:
        raise BackendUnreachable(f"{url}: no answer within {timeout:g} s") from None
    except httpx2.HTTPError as exc:
        raise BackendUnreachable(f"cannot reach {url}: {type(exc).__name__}") from None


def readable(html: str, url: str) -> tuple[str | None, str]:
    """A page's (title, main text as Markdown); the visible text when it has no main text."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, output_format="python", with_metadata=True, include_links=True, include_tables=True
    )
    title = getattr(doc, "title", None) if doc is not None else None
    text = trafilatura.extract(html, url=url, output_format="markdown", include_links=True, include_tables=True)
    if not text:
        text = trafilatura.extract(html, url=url, output_format="txt", favor_recall=True) or ""
    return title, text.strip()
