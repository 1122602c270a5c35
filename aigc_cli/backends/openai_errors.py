"""SDK and HTTP failures of the openai backend as aigc errors, each with its exit code.

Kept apart from the backend because the mapping is a table of cases, read and
changed on its own: each message says what happened and, in the hint, what to
do about it.
"""

from __future__ import annotations

from typing import Any

import openai

from aigc_cli.errors import (
    AigcError,
    AuthError,
    BackendError,
    BackendUnreachable,
    ConfigError,
    InputTooLarge,
    RateLimited,
)

# a server asking for a longer pause than this gets an error, not a silent wait
MAX_RETRY_WAIT = 20.0


def retry_after(headers: Any) -> float | None:
    """Seconds the server asks us to wait (Retry-After / retry-after-ms), if it says."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers.get(name)) / scale
        except (TypeError, ValueError):
            continue
    return None


def server_message(exc: Any) -> str:
    """The server's own error text, on one short line (it goes into ours)."""
    body = getattr(exc, "body", None)
    msg = None
    if isinstance(body, dict):
        msg = body.get("message") or (body.get("error") or {}).get("message")
    text = " ".join(str(msg or getattr(exc, "message", "") or exc).split())
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
    where = base_url or "api.openai.com"
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
    return BackendError(f"{where}: {type(exc).__name__}: {server_message(exc)}")


def _rate_limited(exc: openai.RateLimitError, where: str) -> AigcError:
    """A 429: an exhausted quota, a long Retry-After, or plain rate limiting."""
    if _is_quota(exc):
        return RateLimited(
            f"out of quota at {where}: {server_message(exc)}",
            hint="check the plan and billing of this API key, or use another key",
        )
    wait = retry_after(exc.response.headers)
    if wait is not None and wait > MAX_RETRY_WAIT:
        return RateLimited(
            f"rate limited by {where}: the server asks to wait {wait:.0f} s",
            hint=f"try again in {wait:.0f} s",
        )
    return RateLimited(
        f"rate limited by {where}: {server_message(exc)}",
        hint="wait a minute and try again, or raise openai.max_retries",
    )


def _status_error(exc: openai.APIStatusError, where: str) -> AigcError:
    """Any other HTTP error status the SDK gave up on."""
    text = server_message(exc)
    if isinstance(exc, openai.NotFoundError):
        if "model" in text.lower():
            return ConfigError(f"{where}: {text}", hint="check the model name (`aigc models list`)")
        return ConfigError(
            f"{where} has no chat completions endpoint (404: {text})",
            hint="check OPENAI_BASE_URL; for most servers it ends in /v1",
        )
    if isinstance(exc, openai.BadRequestError):
        low = text.lower()
        if "context" in low and ("length" in low or "window" in low):
            return InputTooLarge(f"{where}: {text}", hint="shorten the input or use a larger model")
        return BackendError(f"{where} rejected the request: {text}")
    if isinstance(exc, openai.InternalServerError) and exc.status_code in (502, 503, 504):
        return BackendUnreachable(
            f"{where} is unavailable ({exc.status_code}: {text})",
            hint="the server or its gateway is down or overloaded; try again later",
        )
    return BackendError(
        f"{where} answered {exc.status_code}: {text}",
        hint="the server failed even after retries; try again later",
    )
