"""The MCP servers the user added: ``mcp.json`` beside the config, in the ``mcpServers``
format Claude Desktop, Cursor and others use, so a user can paste theirs.

An entry is either stdio (``command``, ``args``, ``env``, ``cwd``) or
streamable HTTP (``url``, ``headers``). Keys aigc does not use (``_comment``,
``type``, ``disabled``...) are kept as they are, so a pasted file round-trips;
the file is written atomically and private (it often holds tokens).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aigc_cli import paths
from aigc_cli.errors import ConfigError, UsageError


class ServerSpec(BaseModel):
    """One server entry: stdio or streamable HTTP."""

    model_config = ConfigDict(extra="allow")

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    disabled: bool = False

    @model_validator(mode="after")
    def _one_transport(self) -> "ServerSpec":
        if bool(self.command) == bool(self.url):
            raise ValueError("needs either a command (stdio) or a url (streamable HTTP)")
        return self

    @property
    def transport(self) -> str:
        return "stdio" if self.command else "http"

    def describe(self) -> str:
        if self.command:
            return " ".join([self.command, *self.args])
        return str(self.url)


def mcp_file() -> Path:
    return paths.config_dir() / "mcp.json"


def _read_raw(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(_strip_jsonc(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})", hint="fix or delete the file"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f'{path}: expected a JSON object with "mcpServers"')
    return data


def load_servers(path: Path | None = None) -> dict[str, ServerSpec]:
    """The configured servers, by name (disabled ones left out); a bad entry is a ConfigError."""
    path = path or mcp_file()
    raw = _read_raw(path).get("mcpServers") or {}
    if not isinstance(raw, dict):
        raise ConfigError(f'{path}: "mcpServers" must be an object')
    out: dict[str, ServerSpec] = {}
    for name, entry in raw.items():
        try:
            spec = ServerSpec.model_validate(entry)
        except ValidationError as exc:
            raise ConfigError(
                f"{path}: server {name!r}: {exc.errors()[0]['msg']}", hint="fix it or `aigc mcp rm`"
            ) from None
        if not spec.disabled:
            out[name] = spec
    return out


def _write(data: dict[str, Any], path: Path | None = None) -> Path:
    from aigc_cli.fileio import atomic_write

    path = path or mcp_file()
    atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def check_name(name: str) -> str:
    from aigc_cli import names

    return names.check(name, "server")


def add_server(name: str, entry: dict[str, Any], *, replace: bool = False) -> Path:
    """Add (or with ``replace``, overwrite) one server; the entry is checked first."""
    check_name(name)
    try:
        ServerSpec.model_validate(entry)
    except ValidationError as exc:
        raise UsageError(f"server {name!r}: {exc.errors()[0]['msg']}") from None
    data = _read_raw(mcp_file())
    servers = data.setdefault("mcpServers", {})
    if name in servers and not replace:
        raise UsageError(f"there is already a server {name!r}", hint="`aigc mcp rm` it first, or pass --force")
    servers[name] = entry
    return _write(data)


def remove_server(name: str) -> bool:
    data = _read_raw(mcp_file())
    servers = data.get("mcpServers") or {}
    if name not in servers:
        return False
    del servers[name]
    _write(data)
    return True


def import_file(source: Path, *, replace: bool = False) -> tuple[list[str], list[str]]:
    """Merge a Claude Desktop / Cursor style file's ``mcpServers``: (added, skipped with why).

    Entries named ``_...`` are comments by convention (an alternative someone
    left in the file) and are skipped, as are invalid ones and names already
    configured (unless ``replace``).
    """
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {source}: {exc.strerror}") from None
    try:
        incoming = json.loads(_strip_jsonc(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    servers = incoming.get("mcpServers") if isinstance(incoming, dict) else None
    if not isinstance(servers, dict):
        raise ConfigError(f'{source}: no "mcpServers" object', hint="expected a Claude Desktop / Cursor style file")
    data = _read_raw(mcp_file())
    mine = data.setdefault("mcpServers", {})
    added, skipped = [], []
    for name, entry in servers.items():
        why = _skip_reason(name, entry, mine, replace)
        if why:
            skipped.append(f"{name}: {why}")
            continue
        mine[name] = entry
        added.append(name)
    if added:
        _write(data)
    return added, skipped


def _skip_reason(name: str, entry: Any, mine: dict[str, Any], replace: bool) -> str | None:
    if name.startswith("_"):
        return "a name starting with _ is a comment by convention"
    from aigc_cli import names

    if not names.is_plain(name):
        return "not a usable name"
    try:
        ServerSpec.model_validate(entry)
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])
    if name in mine and not replace:
        return "already configured (--force replaces it)"
    return None


def _strip_jsonc(text: str) -> str:
    """JSON with // and /* */ comments and trailing commas (as editors write it) -> JSON."""
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(c)
        i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))
