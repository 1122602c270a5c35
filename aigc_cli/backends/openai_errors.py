"""SDK and HTTP failures of the openai backend as aigc errors, each with its exit code.

Kept apart from the backend because the mapping is a table of cases, read and
changed on its own: each message says what happened and, in the hint, what to
do about it.
"""

from __future__ import annotations

import re
from typing import Any

import openai

from aigc_cli.errors import (
    AigcError,
    AuthError,
    BackendUnreachable,
    BadServerAnswer,
    ConfigError,
    InputTooLarge,
    RateLimited,
    UsageError,
)

# a server asking for a longer pause than this gets an error, not a silent wait
MAX_RETRY_WAIT = 20.0


def retry_after(headers: Any) -> float | None:
    """Seconds the server asks us to wait (Retry-After / retry-after-ms), if it says.

    Retry-After may be seconds or an HTTP date (RFC 9110); both count.
    """
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        wait: float | None
        try:
            wait = float(value) / scale
        except (TypeError, ValueError):
            wait = _http_date_wait(value) if name == "retry-after" else None
        if wait is not None and wait == wait and wait != float("inf"):  # NaN and inf are no wait
            return max(wait, 0.0)
    return None


def _http_date_wait(value: Any) -> float | None:
    """Seconds until an HTTP date (``Wed, 21 Oct 2026 07:28:00 GMT``), or None."""
    import email.utils
    import time

    if not isinstance(value, str):
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return when.timestamp() - time.time()


# secrets this process sent (the API key): never echoed back in an error
_SECRETS: set[str] = set()
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[^\s\"',;]+")
_KEYLIKE = re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}")


def remember_secret(secret: str | None) -> None:
    """A key the backend sends: masked wherever a server's error text repeats it."""
    if secret and len(secret) >= 4:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """Server text with credentials masked: our key, Authorization values, ``sk-`` keys, URL passwords."""
    from aigc_cli.config import mask, mask_url

    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, mask(secret))
    text = _BEARER.sub(lambda m: f"{m.group(1)} ****", text)
    text = _KEYLIKE.sub(lambda m: mask(m.group(0)), text)
    return re.sub(r"[a-z][a-z0-9+.-]*://\S+", lambda m: mask_url(m.group(0)), text)


def where_of(base_url: str | None) -> str:
    """The server as named in messages: its base URL with credentials masked."""
    from aigc_cli.config import mask_url

    return mask_url(base_url) if base_url else "api.openai.com"


def server_message(exc: Any) -> str:
    """The server's own error text, on one short line (it goes into ours), credentials masked."""
    body = getattr(exc, "body", None)
    msg = None
    if isinstance(body, dict):
        err = body.get("error")
        msg = body.get("message") or (err.get("message") if isinstance(err, dict) else err)
    text = redact(" ".join(str(msg or getattr(exc, "message", "") or exc).split()))
    return text if len(text) <= 200 else text[:199] + "…"


def _is_quota(exc: Any) -> bool:
    code = getattr(exc, "code", None) or getattr(exc, "type", None)
    return code == "insufficient_quota" or "quota" in server_message(exc).lower()


def is_connection_loss(exc: BaseException) -> bool:
    """A transport failure (reset, truncated stream, read timeout), not an answer."""
    import httpx2

    return isinstance(exc, openai.APIConnectionError | httpx2.TransportError)


def map_error(exc: BaseException, base_url: str | None) -> AigcError:
    """Turn an SDK/HTTP exception into an aigc error with its exit code."""
    where = where_of(base_url)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return AuthError(
            f"{where} refused the API key ({exc.status_code}: {server_message(exc)})",
            hint="check OPENAI_API_KEY, or store a key with `aigc config set openai.api_key KEY`",
        )
    if isinstance(exc, openai.RateLimitError):
        return _rate_limited(exc, where)
    if isinstance(exc, openai.APITimeoutError):
        return BackendUnreachable(
            f"timed out waiting for {where}",
            hint="check that the server is up; a slow model may need `aigc config set openai.timeout 300`",
        )
    if isinstance(exc, openai.APIConnectionError):
        return BackendUnreachable(
            f"cannot reach {where}",
            hint="check OPENAI_BASE_URL (or openai.base_url) and that the server is running",
        )
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc, where)
    if is_connection_loss(exc):
        return BackendUnreachable(f"connection to {where} lost ({type(exc).__name__})")
    # what the SDK could not make sense of (a body that is not JSON, say): the server's fault
    return BadServerAnswer(
        f"{where} sent an answer that is not the API's JSON ({type(exc).__name__})",
        hint="check OPENAI_BASE_URL: it should point at an OpenAI-compatible API, usually …/v1",
    )


def _rate_limited(exc: openai.RateLimitError, where: str) -> AigcError:
    """A 429: an exhausted quota, a long Retry-After, or plain rate limiting."""
    if _is_quota(exc):
        quota = RateLimited(
            f"out of quota at {where}: {server_message(exc)}",
            hint="check the plan and billing of this API key, or use another key",
        )
        quota.quota = True
        return quota
    wait = retry_after(exc.response.headers)
    if wait is not None and wait > MAX_RETRY_WAIT:
        return RateLimited(
            f"rate limited by {where}: the server asks to wait {wait:.0f} s",
            hint=f"try again in {wait:.0f} s",
        )
    limited = RateLimited(
        f"rate limited by {where}: {server_message(exc)}",
        hint="wait a minute and try again, or raise openai.max_retries",
    )
    limited.retry_after = wait
    return limited


def _endpoint(exc: openai.APIStatusError) -> str:
    """The endpoint a 404 came from, as the user would look for it: ``/v1/embeddings``, ``chat completions``."""
    try:
        path = exc.response.request.url.path
    except (AttributeError, RuntimeError):
        path = ""
    path = path.rstrip("/")
    return "chat completions" if not path or path.endswith("/chat/completions") else path


def _status_error(exc: openai.APIStatusError, where: str) -> AigcError:
    """Any other HTTP error status the SDK gave up on."""
    text = server_message(exc)
    if isinstance(exc, openai.NotFoundError):
        if "model" in text.lower():
            return ConfigError(f"{where}: {text}", hint="check the model name (`aigc models list`)")
        return ConfigError(
            f"{where} has no {_endpoint(exc)} endpoint (404: {text})",
            hint="check OPENAI_BASE_URL; for most servers it ends in /v1",
        )
    if isinstance(exc, openai.BadRequestError) or exc.status_code == 422:
        low = text.lower()
        if "context" in low and ("length" in low or "window" in low):
            return InputTooLarge(f"{where}: {text}", hint="shorten the input or use a larger model")
        return UsageError(
            f"{where} rejected the request ({exc.status_code}: {text})",
            hint="check the options given (model, --max-tokens, -t, the recipe's schema)",
        )
    if exc.status_code == 413:
        return InputTooLarge(
            f"{where} refused the request as too large (413: {text})", hint="shorten the input or attach less"
        )
    if exc.status_code == 408:
        return BackendUnreachable(
            f"timed out waiting for {where} (408: {text})", hint="the server gave up on the request; try again later"
        )
    if exc.status_code >= 500:
        gone = exc.status_code in (502, 503, 504)
        return BackendUnreachable(
            f"{where} is unavailable ({exc.status_code}: {text})"
            if gone
            else f"{where} failed ({exc.status_code}: {text})",
            hint="the server or its gateway is down or overloaded; try again later"
            if gone
            else "the server failed even after retries; try again later",
        )
    if 400 <= exc.status_code < 500:
        return UsageError(f"{where} refused the request ({exc.status_code}: {text})")
    return BadServerAnswer(
        f"{where} answered {exc.status_code}: {text}", hint="the server failed even after retries; try again later"
    )
