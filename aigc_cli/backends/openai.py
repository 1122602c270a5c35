"""The OpenAI backend: the official SDK, for OpenAI and any compatible server.

Retries (408/409/429/5xx and connection errors, honouring Retry-After) are the
SDK's own; we size its timeouts for a CLI, stop it from retrying what waiting
cannot fix (an exhausted quota, a Retry-After of minutes, a second read
timeout: a server that never answers) and map every SDK
error to one of aigc's errors, each with its exit code and a line saying what
to do. A stream cut after the first token is not retried (that would repeat
the answer); it is reported as lost mid-answer, with the text kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import openai

from aigc_cli.backends.base import Backend, ModelInfo, Price
from aigc_cli.backends.openai_errors import (
    MAX_RETRY_WAIT,
    is_connection_loss,
    map_error,
    retry_after,
)
from aigc_cli.errors import AigcError, BackendError, BackendUnreachable, ConfigError
from aigc_cli.messages import Chunk, GenOptions, Message, Usage

if TYPE_CHECKING:
    from aigc_cli.config import Settings

KEYLESS = "no-key"  # sent to a custom base URL when no key is configured


class OpenAIBackend(Backend):
    """Chat completions over HTTP with the ``openai`` SDK."""

    name = "openai"
    max_parallel = 32
    bounded_json_schema = False  # strict mode refuses maxLength

    def __init__(self, settings: "Settings") -> None:
        self.settings = settings
        self.cfg = settings.openai
        self._client: openai.OpenAI | None = None

    @property
    def default_model(self) -> str:
        return self.cfg.model

    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            key = self.settings.openai_key()
            if not key and self.cfg.base_url:
                # many compatible servers (Ollama, llama.cpp, vLLM) need no key;
                # the SDK insists on one, and a server that does need it says 401
                key = KEYLESS
            if not key:
                raise ConfigError(
                    "no OpenAI API key",
                    hint="export OPENAI_API_KEY=sk-... or `aigc config set openai.api_key -`",
                )
            import httpx2

            timeout = httpx2.Timeout(self.cfg.timeout, connect=self.cfg.connect_timeout)
            self._client = openai.OpenAI(
                api_key=key,
                base_url=self.cfg.base_url or None,
                timeout=timeout,
                max_retries=self.cfg.max_retries,
                http_client=_HttpClient(
                    timeout=timeout, event_hooks={"response": [_no_retry_when_waiting_cannot_help]}
                ),
            )
        return self._client

    # ------------------------------------------------------------ generation

    def _request(self, messages: Sequence[Message], options: GenOptions) -> dict[str, Any]:
        req: dict[str, Any] = {
            "model": options.model or self.default_model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        if options.temperature is not None:
            req["temperature"] = options.temperature
        if options.max_tokens is not None:
            # OpenAI's newer models refuse the old name; compatible servers may not know the new one
            official = "api.openai.com" in (self.cfg.base_url or "api.openai.com")
            key = "max_completion_tokens" if official else "max_tokens"
            req[key] = options.max_tokens
        if options.stop:
            req["stop"] = options.stop
        if options.seed is not None:
            req["seed"] = options.seed
        if options.json_schema is not None:
            req["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": options.json_schema, "strict": True},
            }
        return req

    def stream(self, messages: Sequence[Message], options: GenOptions) -> Iterator[Chunk]:
        """Stream through the SDK (auth, retries, errors), parsing the events ourselves.

        The SDK's own stream builds a pydantic object per event, which costs
        about as much per token as everything else aigc does together (2x the
        wall time of an 8000-token answer, measured in bench/); with
        ``with_streaming_response`` the SDK still makes the request, retries
        and raises its typed errors, and we read the server-sent events as
        plain JSON.
        """
        req = self._request(messages, options)
        started = False
        try:
            with self.client.chat.completions.with_streaming_response.create(
                **req, stream=True, stream_options={"include_usage": True}
            ) as response:
                for line in response.iter_lines():
                    event = _sse_event(line)
                    if event is None:
                        continue
                    if event is _DONE:
                        break
                    started = True
                    yield from _chunks(event, self.cfg.base_url)
        except AigcError:
            raise
        except Exception as exc:  # the SDK and its HTTP client raise many kinds
            if started and is_connection_loss(exc):
                # the SDK cannot retry half an answer; say so rather than "cannot reach"
                raise BackendUnreachable(
                    f"the connection to {self.cfg.base_url or 'api.openai.com'} was lost mid-answer",
                    hint="the answer above is incomplete; ask again",
                ) from exc
            raise map_error(exc, self.cfg.base_url) from exc

    def complete(self, messages: Sequence[Message], options: GenOptions) -> Chunk:
        """One non-streamed request (``--no-stream``)."""
        req = self._request(messages, options)
        try:
            resp = self.client.chat.completions.create(**req)
        except AigcError:
            raise
        except Exception as exc:
            raise map_error(exc, self.cfg.base_url) from exc
        choice = resp.choices[0] if resp.choices else None
        usage = None
        if resp.usage is not None:
            usage = Usage(
                prompt_tokens=resp.usage.prompt_tokens or 0,
                completion_tokens=resp.usage.completion_tokens or 0,
            )
        return Chunk(
            text=(choice.message.content or "") if choice else "",
            finish_reason=choice.finish_reason if choice else None,
            usage=usage,
            model=resp.model,
        )

    # ------------------------------------------------------------- metadata

    def count_tokens(self, messages: Sequence[Message], model: str | None = None) -> int:
        from aigc_cli import tokens

        return tokens.count_messages(messages, model or self.default_model)

    def token_upper_bound(self, messages: Sequence[Message]) -> int:
        """A cheap bound on count_tokens (no tokenizer load): see tokens.upper_bound."""
        from aigc_cli import tokens

        return tokens.upper_bound(messages)

    def context_window(self, model: str | None = None) -> int:
        from aigc_cli import modeltable

        # the model table (config overrides first); unknown models get its
        # conservative fallback, so requests still fit a small server's window
        return modeltable.window(model or self.default_model, self.settings)

    def count_text(self, text: str, model: str | None = None) -> int:
        """tiktoken's count for the model (exact, approx or estimate: see tokens.py)."""
        from aigc_cli import tokens

        return tokens.count_text(text, model or self.default_model)

    def price(self, model: str | None = None) -> Price | None:
        """The model table's prices (config overrides first); None for unknown models."""
        from aigc_cli import modeltable

        entry = modeltable.lookup(model or self.default_model, self.settings)
        return Price(input=entry.input_price, output=entry.output_price) if entry else None

    def live_check(self) -> str:
        return f"the server lists {len(self.list_models())} model(s)"

    def diagnostics(self, live: bool) -> list[tuple[str, str]]:
        """What `aigc doctor` shows before the live check."""
        return [("server", self.cfg.base_url or "https://api.openai.com/v1 (the SDK's default)")]

    def embed(self, texts: Sequence[str], model: str | None = None) -> list[list[float]]:
        """``/v1/embeddings`` through the SDK (OpenAI, Ollama, vLLM...), as plain floats."""
        if not texts:
            return []
        try:
            resp = self.client.embeddings.create(
                model=model or self.default_model, input=list(texts), encoding_format="float"
            )
        except AigcError:
            raise
        except Exception as exc:
            raise map_error(exc, self.cfg.base_url) from exc
        return [list(d.embedding) for d in sorted(resp.data, key=lambda d: d.index)]

    def list_models(self) -> list[ModelInfo]:
        try:
            page = self.client.models.list()
            names = sorted(m.id for m in page)
        except AigcError:
            raise
        except Exception as exc:
            raise map_error(exc, self.cfg.base_url) from exc
        return [ModelInfo(name=n, backend=self.name) for n in names]


class _HttpClient(openai.DefaultHttpxClient):  # type: ignore[misc, valid-type]
    """The SDK's own HTTP client, except that a read timeout is retried at most once.

    A server that accepts the connection and never answers would otherwise
    hold us for (1 + max_retries) x ``openai.timeout``: the SDK retries every
    timeout like a dropped connection. A read timeout on an attempt that was
    already a retry (the SDK numbers them in ``x-stainless-retry-count``) is
    raised as the SDK's own ``APITimeoutError``, which its retry loop passes
    through untouched, so the whole request gives up (exit 4) after at most
    two read timeouts plus the SDK's short backoff: within 2.5 x
    ``openai.timeout``. Every other retry stays the SDK's.
    """

    def send(self, request: Any, **kwargs: Any) -> Any:
        import httpx2  # already loaded by the SDK

        try:
            return super().send(request, **kwargs)
        except httpx2.ReadTimeout as exc:
            if request.headers.get("x-stainless-retry-count", "0") != "0":
                raise openai.APITimeoutError(request=request) from exc
            raise


def _no_retry_when_waiting_cannot_help(response: Any) -> None:
    """Tell the SDK's retry loop not to retry what waiting cannot fix soon.

    The SDK retries every 429 with backoff and honours Retry-After up to two
    minutes. But ``insufficient_quota`` does not go away by waiting, and a CLI
    that sits silent for minutes looks hung; for those two cases the
    ``x-should-retry: false`` header, which the SDK obeys, makes the error
    immediate (exit 5, with the wait in the message).
    """
    if response.status_code != 429 and response.status_code < 500:
        return
    wait = retry_after(response.headers)
    if wait is not None and wait > MAX_RETRY_WAIT:
        response.headers["x-should-retry"] = "false"
    elif response.status_code == 429:
        response.read()
        if b"insufficient_quota" in response.content:
            response.headers["x-should-retry"] = "false"


_DONE: Any = object()


def _sse_event(line: str) -> Any:
    """One server-sent-events line -> its JSON payload, _DONE, or None to skip."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if data == "[DONE]":
        return _DONE
    if not data:
        return None
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        raise BackendError(f"the server sent a malformed event: {data[:80]}") from None


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    return Usage(
        prompt_tokens=raw.get("prompt_tokens") or 0,
        completion_tokens=raw.get("completion_tokens") or 0,
    )


def _chunks(event: dict[str, Any], base_url: str | None) -> Iterator[Chunk]:
    """Chunks from one streamed chat.completion.chunk event (a plain dict)."""
    if event.get("error"):
        err = event["error"]
        msg = err.get("message") if isinstance(err, dict) else err
        raise BackendError(f"{base_url or 'api.openai.com'} failed mid-answer: {msg}")
    usage = _usage(event.get("usage"))
    choices = event.get("choices")
    if not choices:
        if usage is not None:
            yield Chunk(usage=usage, model=event.get("model"))
        return
    choice = choices[0]
    text = (choice.get("delta") or {}).get("content")
    finish = choice.get("finish_reason")
    if text or finish or usage:
        yield Chunk(text=text or "", finish_reason=finish, usage=usage)
