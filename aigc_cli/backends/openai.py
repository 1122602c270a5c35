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

from aigc_cli.backends.base import ModelInfo
from aigc_cli.backends.jsonstrict import strict_ok
from aigc_cli.backends.openai_models import OpenAIModels
from aigc_cli.backends.openai_parts import with_images
from aigc_cli.backends.openai_sse import bound_event_stream
from aigc_cli.backends.openai_tools import (
    CallAssembler,
    calls_from_message,
    untransformed,
    wire_messages,
    wire_tools,
)
from aigc_cli.backends.openai_errors import (
    MAX_RETRY_WAIT,
    is_connection_loss,
    map_error,
    redact,
    remember_secret,
    retry_after,
    where_of,
)
from aigc_cli.backends.openai_answers import (
    StreamEnd,
    checked_completion,
    checked_event,
    checked_model_ids,
    refused_on_loopback,
)
from aigc_cli.errors import AigcError, BackendUnreachable, BadServerAnswer, ConfigError
from aigc_cli.messages import Chunk, GenOptions, Message, Usage

if TYPE_CHECKING:
    from aigc_cli.backends.base import BatchAPI, GeneratedImage, Transcript
    from aigc_cli.config import Settings

KEYLESS = "no-key"  # sent to a custom base URL when no key is configured


class OpenAIBackend(OpenAIModels):
    """Chat completions over HTTP with the ``openai`` SDK (model facts: OpenAIModels)."""

    def __init__(self, settings: "Settings", transport: Any = None) -> None:
        """``transport`` (an ``httpx2`` transport, e.g. ``httpx2.MockTransport``) replaces the
        network under the SDK's own client: the fast test tier drives the real SDK, retries and
        error mapping in-process with it (tests/test_openai_inprocess.py)."""
        super().__init__(settings)
        self._client: openai.OpenAI | None = None
        self._transport = transport

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

            remember_secret(key)  # a server echoing it back in an error never gets it printed
            timeout = httpx2.Timeout(self.cfg.timeout, connect=self.cfg.connect_timeout)
            self._client = openai.OpenAI(
                api_key=key,
                base_url=self.cfg.base_url or None,
                timeout=timeout,
                max_retries=self.cfg.max_retries,
                http_client=_HttpClient(
                    timeout=timeout,
                    event_hooks={"response": [_no_retry_when_waiting_cannot_help, bound_event_stream]},
                    transport=self._transport,
                ),
            )
        return self._client

    # ------------------------------------------------------------ generation

    def _request(self, messages: Sequence[Message], options: GenOptions) -> dict[str, Any]:
        req: dict[str, Any] = {
            "model": options.model or self.default_model,
            "messages": with_images(wire_messages(messages), messages),
        }
        if options.tools:
            req["tools"] = wire_tools(options.tools)
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
                "json_schema": {
                    "name": "output",
                    "schema": options.json_schema,
                    "strict": strict_ok(options.json_schema),
                },  # else the server refuses it (400)
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
        calls = CallAssembler()  # tool calls arrive as deltas; whole ones are yielded at the end
        try:
            with self.client.chat.completions.with_streaming_response.create(
                **untransformed(req), stream=True, stream_options={"include_usage": True}
            ) as response:
                end = StreamEnd(where_of(self.cfg.base_url))  # an answer needs [DONE] or a finish reason
                for line in response.iter_lines():
                    event = _sse_event(line)
                    if event is None:
                        end.saw_line(line)
                        continue
                    if event is _DONE:
                        end.done = True
                        break
                    started = True
                    event = checked_event(event, end.where)
                    end.saw_event(event)
                    calls.feed(event)
                    yield from _chunks(event, self.cfg.base_url)
                end.check(response.headers.get("content-type"))
            if whole := calls.calls():
                yield Chunk(tool_calls=whole)
        except AigcError:
            raise
        except Exception as exc:  # the SDK and its HTTP client raise many kinds
            if started and is_connection_loss(exc):
                # the SDK cannot retry half an answer; say so rather than "cannot reach"
                raise BackendUnreachable(
                    f"the connection to {where_of(self.cfg.base_url)} was lost mid-answer",
                    hint="the answer above is incomplete; ask again",
                ) from exc
            raise map_error(exc, self.cfg.base_url) from exc

    def complete(self, messages: Sequence[Message], options: GenOptions) -> Chunk:
        """One non-streamed request (``--no-stream``)."""
        req = self._request(messages, options)
        try:
            resp = self.client.chat.completions.create(**untransformed(req))
        except AigcError:
            raise
        except Exception as exc:
            raise map_error(exc, self.cfg.base_url) from exc
        text, finish = checked_completion(resp, where_of(self.cfg.base_url))  # BadServerAnswer if not an answer
        try:
            choice = resp.choices[0] if resp.choices else None
            usage = None
            if resp.usage is not None:
                usage = Usage(
                    prompt_tokens=_count(resp.usage.prompt_tokens),
                    completion_tokens=_count(resp.usage.completion_tokens),
                )
            return Chunk(
                text=text,
                finish_reason=finish,
                usage=usage,
                model=resp.model,
                tool_calls=calls_from_message(choice.message) if choice else None,
            )
        except (AttributeError, TypeError, ValueError) as exc:  # fields of the wrong kind
            raise map_error(exc, self.cfg.base_url) from exc

    # ------------------------------------------------------------- metadata

    def transcribe(
        self, audio: bytes, filename: str, model: str, language: str | None = None, timestamps: bool = False
    ) -> "Transcript":
        """``/v1/audio/transcriptions`` (backends/openai_audio.py)."""
        from aigc_cli.backends.openai_audio import transcribe

        return transcribe(self.client, self.cfg.base_url, audio, filename, model, language, timestamps)

    def live_check(self) -> str:
        return f"the server lists {len(self.list_models())} model(s)"

    def diagnostics(self, live: bool) -> list[tuple[str, str]]:
        """What `aigc doctor` shows before the live check."""
        return [
            (
                "server",
                where_of(self.cfg.base_url) if self.cfg.base_url else "https://api.openai.com/v1 (the SDK's default)",
            )
        ]

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

    speech_formats = ("mp3", "opus", "aac", "flac", "wav", "pcm")

    def speech(self, text: str, *, voice: str | None, fmt: str, speed: float, model: str | None) -> bytes:
        from aigc_cli.backends import openai_media

        return openai_media.speech(self.client, self.cfg.base_url, text, voice=voice, fmt=fmt, speed=speed, model=model)

    def images(
        self,
        prompt: str,
        *,
        model: str | None,
        size: str | None,
        n: int,
        quality: str | None,
        edit: bytes | None = None,
        mask: bytes | None = None,
    ) -> list["GeneratedImage"]:
        from aigc_cli.backends import openai_media

        found = openai_media.images(
            self.client, self.cfg.base_url, prompt, model=model, size=size, n=n, quality=quality, edit=edit, mask=mask
        )
        for img in found:
            if img.data is None and img.url:
                img.data = openai_media.fetch(img.url, self.cfg.timeout)
        return found

    def image_price(self, model: str, size: str | None, quality: str | None) -> float | None:
        from aigc_cli.backends import openai_media

        return openai_media.price(model, size, quality)

    default_image_model = "gpt-image-1"

    def image_sizes(self, model: str) -> list[str] | None:
        from aigc_cli.backends import openai_media

        return openai_media.SIZES.get(model)

    def batch_api(self) -> "BatchAPI":
        from aigc_cli.backends.openai_batch import OpenAIBatchAPI

        return OpenAIBatchAPI(lambda: self.client, self.cfg.base_url)

    def list_models(self) -> list[ModelInfo]:
        try:
            page = self.client.models.list()
            names = checked_model_ids(page, where_of(self.cfg.base_url))
        except AigcError:
            raise
        except Exception as exc:
            raise map_error(exc, self.cfg.base_url) from exc
        return [ModelInfo(name=n, backend=self.name) for n in names]


class _HttpClient(openai.DefaultHttpxClient):
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
        except httpx2.ConnectError as exc:
            if refused_on_loopback(request.url.host, exc):
                # nobody listens on this machine's port: retrying cannot help (it took 3.3 s)
                raise openai.APIConnectionError(request=request) from exc
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
        raise BadServerAnswer(f"the server sent a malformed event: {data[:80]}") from None


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    return Usage(prompt_tokens=_count(raw.get("prompt_tokens")), completion_tokens=_count(raw.get("completion_tokens")))


def _count(value: Any) -> int:
    """A token count from the server; anything but a whole number (NaN, "12", -1) is 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _chunks(event: dict[str, Any], base_url: str | None) -> Iterator[Chunk]:
    """Chunks from one streamed chat.completion.chunk event (a plain dict)."""
    if event.get("error"):
        err = event["error"]
        msg = err.get("message") if isinstance(err, dict) else err
        raise BadServerAnswer(f"{where_of(base_url)} failed mid-answer: {redact(str(msg))}")
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
