"""Settings: config.toml + secrets.toml + environment, validated by pydantic.

Precedence, lowest to highest: built-in defaults, ``config.toml``,
``secrets.toml`` (mode 0600, API keys only), environment variables, and the
command-line flags (applied by the CLI). ``Settings.sources`` records which
layer set each key so ``config show`` and ``doctor`` can say why a value won.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError

from aigc_cli import paths
from aigc_cli.errors import ConfigError

SECRET_KEYS = {"openai.api_key"}

# environment variable -> dotted settings key
ENV_KEYS = {
    "OPENAI_API_KEY": "openai.api_key",
    "OPENAI_BASE_URL": "openai.base_url",
    "AIGC_BACKEND": "backend",
    "AIGC_MODEL": "model",
    "AIGC_LOCAL_THREADS": "local.n_threads",  # a busy machine: fewer threads, no spinning
}


from aigc_cli.config_sections import (  # noqa: E402, F401 - re-exported: config is where settings are found
    AttachSettings,
    AudioSettings,
    BatchSettings,
    LimitsSettings,
    SpeechSettings,
    ToolPolicy,
    ToolsSettings,
)
from aigc_cli.config_sections import Section as _Section  # noqa: E402


class OpenAISettings(_Section):
    """The OpenAI (or any OpenAI-compatible) backend."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    # a CLI must fail fast on a dead host: with the SDK's retries an unreachable
    # server costs (max_retries + 1) * connect_timeout plus ~1.5 s of backoff
    connect_timeout: float = Field(default=3.0, gt=0)
    timeout: float = Field(default=120.0, gt=0, description="read timeout, seconds")
    max_retries: int = Field(default=2, ge=0, le=10)


class LocalSettings(_Section):
    """The in-process llama.cpp backend."""

    model_path: str | None = None
    model: str = "gemma-3-270m"
    n_ctx: int = Field(default=8192, ge=256)
    n_threads: int | None = Field(default=None, ge=1, description="default: physical cores")
    state_cache_mb: int = Field(default=512, ge=0, description="saved prompt states for long conversations; 0 = off")
    # llama.cpp's repacked CPU weights: auto = off on AMX CPUs, else probed once per
    # model in a child process (see backends/loadsafety.py)
    extra_buffers: Literal["auto", "on", "off"] = "auto"


class ContextSettings(_Section):
    """How a conversation is fitted into the model's window."""

    strategy: Literal["drop", "summarize"] = "drop"
    reserve_output: int = Field(default=1024, ge=16)


class CmdSettings(_Section):
    """`aigc cmd`: the key its --shell-init snippets bind."""

    key: str = Field(default="alt-g", pattern=r"^(alt|ctrl)-[a-z0-9]$", description="alt-X or ctrl-X")


class MemorySettings(_Section):
    """Personal memory: the "About the user" block in every task's system prompt."""

    enabled: bool = True
    budget_tokens: int = Field(default=400, ge=0, description="the block's size; pinned memories always go")


class ModelSpec(_Section):
    """A model's window and prices (USD per million tokens), user-overridable.

    Only the fields given override the built-in table (aigc_cli/modeltable.py),
    so `models.gpt-4o.input_price = 2.0` alone changes just that price.
    """

    context_window: int | None = Field(default=None, ge=256)
    max_output: int | None = Field(default=None, ge=1)
    input_price: float = Field(default=0.0, ge=0)
    output_price: float = Field(default=0.0, ge=0)
    vision: bool | None = Field(default=None, description="accepts images (attachments)")


class Settings(_Section):
    """Everything aigc can be configured with."""

    backend: str | None = None
    model: str | None = None
    log: bool = True
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    local: LocalSettings = Field(default_factory=LocalSettings)
    context: ContextSettings = Field(default_factory=ContextSettings)
    cmd: CmdSettings = Field(default_factory=CmdSettings)
    memory: MemorySettings = Field(default_factory=MemorySettings)
    tools: ToolsSettings = Field(default_factory=ToolsSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)
    speech: SpeechSettings = Field(default_factory=SpeechSettings)
    audio: AudioSettings = Field(default_factory=AudioSettings)
    attach: AttachSettings = Field(default_factory=AttachSettings)
    models: dict[str, ModelSpec] = Field(default_factory=dict)
    # [backends.NAME]: a plugin backend's own settings, free-form (the plugin validates them)
    backends: dict[str, dict[str, Any]] = Field(default_factory=dict)

    sources: dict[str, str] = Field(default_factory=dict, exclude=True)

    def openai_key(self) -> str | None:
        key = self.openai.api_key
        return key.get_secret_value() if key else None

    def backend_settings(self, name: str) -> dict[str, Any]:
        """The ``[backends.NAME]`` table a plugin backend reads its settings from ({} if none)."""
        return dict(self.backends.get(name, {}))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", hint="fix or delete the file") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid UTF-8 (bad byte at offset {exc.start})", hint="fix or delete the file"
        ) from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply", hint="fix or delete the file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc


def _check_tables(layer: dict[str, Any], source: str) -> None:
    """A section given as a plain value (``openai = "x"``) is one clear error, not a crash later."""
    for key, field in Settings.model_fields.items():
        if (
            key in layer
            and not isinstance(layer[key], dict)
            and (key in ("models", "backends") or _is_section(field.annotation))
        ):
            raise ConfigError(
                f"bad setting {key!r} in {source}: should be a table ([{key}]), not {type(layer[key]).__name__}",
                hint="fix it with `aigc config set KEY VALUE` or edit the file; `aigc config show` lists the keys",
            )


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and not (prefix == "" and key == "models"):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def split_key(dotted: str) -> list[str]:
    """A dotted key's parts; in `models.NAME.FIELD` the NAME stays whole (gpt-4.1, llama3.2)."""
    if dotted.startswith("models."):
        name, _, field = dotted.removeprefix("models.").rpartition(".")
        return ["models", name, field] if name else ["models", field]
    return dotted.split(".")


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = split_key(dotted)
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _merge(base: dict[str, Any], layer: dict[str, Any], source: str, sources: dict[str, str]) -> None:
    for dotted, value in _flatten(layer).items():
        _set_dotted(base, dotted, value)
        sources[dotted] = source


def load_settings() -> Settings:
    """Read every layer and validate; a broken file is a ConfigError (exit 3)."""
    data: dict[str, Any] = {}
    sources: dict[str, str] = {}
    cfg = paths.config_file()
    sec = paths.secrets_file()
    for path, source in ((cfg, f"config file {cfg}"), (sec, f"secrets file {sec}")):
        layer = _read_toml(path)
        if layer:
            from aigc_cli.fileio import PRIVATE_FILE, tighten

            tighten(path, PRIVATE_FILE)  # a config.toml from before 0600 becomes private
        _check_tables(layer, source)
        try:
            _merge(data, layer, source, sources)
        except RecursionError:
            raise ConfigError(f"{path}: nested too deeply", hint="fix or delete the file") from None
    for var, dotted in ENV_KEYS.items():
        value = os.environ.get(var)
        if value:
            _set_dotted(data, dotted, value)
            sources[dotted] = f"environment {var}"
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, sources, cfg) from None
    settings.sources = sources
    return settings


def _validation_error(exc: ValidationError, sources: dict[str, str], cfg: Path) -> ConfigError:
    """One line naming the key, the problem and the file (or variable) it came from."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    origin = sources.get(where) or next(
        (src for key, src in sources.items() if key.startswith(where + ".") or where.startswith(key + ".")),
        f"config file {cfg}",
    )
    problem = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
    return ConfigError(
        f"bad setting {where!r} in {origin}: {problem}",
        hint="fix it with `aigc config set KEY VALUE` or edit the file; `aigc config show` lists the keys",
    )


# ----------------------------------------------------------------- writing


def known_key(dotted: str) -> bool:
    """True for keys `config set` accepts (models.NAME.FIELD included)."""
    parts = split_key(dotted)
    if parts[0] == "models":
        return len(parts) == 3 and parts[2] in ModelSpec.model_fields
    if parts[0] == "backends":  # backends.NAME.KEY: a plugin's own setting
        return len(parts) == 3 and all(parts)
    if parts[0] == "tools" and len(parts) == 3 and parts[1] not in ToolsSettings.model_fields:
        return parts[2] == "policy"  # tools.NAME.policy
    model: type[BaseModel] = Settings
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None or part == "sources":
            return False
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
            if i == len(parts) - 1:
                return False
        elif i != len(parts) - 1:
            return False
    return True


def parse_value(raw: str, dotted: str | None = None) -> Any:
    """Interpret a command-line value as TOML would (numbers, booleans), else text.

    A text setting keeps the text as typed, so a model called ``4`` or
    ``true`` stays a string.
    """
    if dotted is not None and _is_text_field(dotted):
        return raw
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _is_text_field(dotted: str) -> bool:
    parts = split_key(dotted)
    if parts[0] == "backends":  # free-form: the value is read as TOML would
        return False
    model: Any = ModelSpec if parts[0] == "models" else Settings
    names = parts[2:] if parts[0] == "models" else parts
    field = None
    for name in names:
        field = model.model_fields.get(name)
        if field is None:
            return False
        model = field.annotation
    return field is not None and field.annotation in (str, str | None)


def set_value(dotted: str, raw: str) -> Path:
    """Write one key to config.toml (or secrets.toml for secrets); return the file."""
    if not known_key(dotted):
        from aigc_cli.errors import UsageError

        raise UsageError(f"unknown setting {dotted!r}", hint="see `aigc config show` for the keys")
    secret = dotted in SECRET_KEYS
    path = paths.secrets_file() if secret else paths.config_file()
    data = _read_toml(path)
    _set_dotted(data, dotted, raw if secret else parse_value(raw, dotted))
    if not secret:
        try:
            Settings.model_validate(data)
        except ValidationError as exc:
            from aigc_cli.errors import UsageError

            raise UsageError(f"bad value for {dotted}: {exc.errors()[0]['msg']}") from None
    write_toml(path, data, private=secret)
    return path


def unset_value(dotted: str) -> bool:
    """Remove one key from config.toml; True if it was there."""
    path = paths.config_file()
    data = _read_toml(path)
    *parents, last = split_key(dotted)
    node: Any = data
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or last not in node:
        return False
    del node[last]
    write_toml(path, data)
    return True


def write_toml(path: Path, data: dict[str, Any], private: bool = True) -> None:
    """Write atomically (fileio.atomic_write) so a crash or a full disk never leaves half a file.

    Settings and secrets are private data: 0600, in a 0700 folder (``private``
    is kept for callers; every settings file is private now).
    """
    import tomli_w

    from aigc_cli import fileio

    fileio.private_dir(path.parent, fix_existing=True)
    fileio.atomic_write(path, tomli_w.dumps(data), mode=fileio.PRIVATE_FILE)


def mask(secret: str) -> str:
    """Show enough of a key to recognise it, never enough to use it."""
    if len(secret) <= 8:
        return "****"
    return f"{secret[:3]}…{secret[-4:]}"


_SECRET_PARAMS = ("key", "token", "secret", "password", "passwd", "pwd", "auth", "sig", "credential")


def mask_url(url: str) -> str:
    """A URL safe to print: the password of ``user:pass@`` and secret-looking query values masked.

    Why: ``http://admin:hunter2@host`` or ``?api_key=...`` in a base URL would
    otherwise be printed by every error naming the server, and by doctor.
    """
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:****@{host}" if ":" in userinfo else f"****@{host}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            masked = [(k, "****" if any(s in k.lower() for s in _SECRET_PARAMS) else v) for k, v in pairs]
            query = urlencode(masked, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "(a base URL that cannot be parsed)"


def display_dict(settings: Settings) -> dict[str, Any]:
    """Settings as plain data for `config show`, with secrets masked."""
    data = settings.model_dump(mode="json", exclude={"sources"})
    key = settings.openai_key()
    data["openai"]["api_key"] = mask(key) if key else None
    if data["openai"].get("base_url"):
        data["openai"]["base_url"] = mask_url(data["openai"]["base_url"])
    return data
