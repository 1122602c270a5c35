"""Reading back our own ``aigc history export --format json``.

The export is a backup as much as an interchange format, so importing it
restores each conversation as it was: the same id, title, times (to the
microsecond), backend, model, recipe, system prompt, every message with its
status, usage and cost (and an `aigc cmd` answer's command record), the
import source and the running summary. A
conversation whose id (or source) is already in the store is skipped, so
importing an export twice, or into the store it came from, adds nothing.

The data is checked in full with pydantic before anything is written, and
every value must be one the store accepts (roles, statuses, sizes that fit
SQLite's integers, finite numbers, times between 1970 and 2100), so a
hand-edited or damaged file fails with one line instead of half-importing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from aigc_cli.errors import BadFile
from aigc_cli.store.io import EXPORT_VERSION
from aigc_cli.store.rows import (
    LATEST_TIME,
    ImportBatch,
    Imported,
    ImportedCommand,
    ImportedMessage,
    ImportedSummary,
)

MAX_INT = 2**62  # well inside SQLite's signed 64-bit INTEGER

Count = Field(default=None, ge=0, le=MAX_INT)
Money = Field(default=None, ge=0, allow_inf_nan=False)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _unix(value: datetime) -> float:
    """A datetime from the file as a Unix time (naive means local, like ``iso`` wrote it)."""
    try:
        ts = value.timestamp()
    except (OverflowError, OSError):  # naive times go through the C library
        ts = -1.0
    if not 0 <= ts < LATEST_TIME:
        raise ValueError("time out of range (1970 to 2100)")
    return ts


def _in_range(value: datetime) -> datetime:
    _unix(value)
    return value


Time = Annotated[datetime, AfterValidator(_in_range)]


class ExportedCommand(_Model):
    command: str
    shell: str
    ran: bool
    exit_status: int | None = Field(default=None, ge=-MAX_INT, le=MAX_INT)
    updated: Time


class ExportedToolCall(_Model):
    """One tool call of an answer (store/toolcalls.py), exactly as stored."""

    call_id: str
    name: str
    arguments: str
    result: str | None = None
    error: str | None = None
    duration: float = Field(default=0.0, ge=0)
    decision: Literal["allowed", "approved", "refused", "denied", "error"] = "allowed"
    round: int = Field(default=1, ge=0, le=MAX_INT)
    preface: str = ""


class ExportedMessage(_Model):
    role: Literal["user", "assistant", "system"]
    content: str
    created: Time
    status: Literal["complete", "interrupted", "error"] = "complete"
    model: str | None = None
    prompt_tokens: int | None = Count
    completion_tokens: int | None = Count
    cost: float | None = Money
    command: ExportedCommand | None = None
    tool_calls: list[ExportedToolCall] | None = None


class ExportedSummary(_Model):
    text: str
    covered: int = Field(ge=0, le=MAX_INT)
    model: str | None = None
    updated: Time


class ExportedConversation(_Model):
    id: str = Field(pattern=r"^[0-9a-z][0-9a-z_-]{0,63}$")
    title: str = ""
    created: Time
    updated: Time
    backend: str | None = None
    model: str | None = None
    recipe: str | None = None
    system: str | None = None
    source: str | None = None
    summary: ExportedSummary | None = None
    messages: list[ExportedMessage] = []


class AigcExport(_Model):
    aigc_export: int
    conversations: list[ExportedConversation]


def _command(cmd: ExportedCommand | None) -> ImportedCommand | None:
    if cmd is None:
        return None
    return ImportedCommand(cmd.command, cmd.shell, cmd.ran, cmd.exit_status, _unix(cmd.updated))


def _imported(conv: ExportedConversation) -> Imported:
    summary = conv.summary
    return Imported(
        source=conv.source,
        title=conv.title,
        created=_unix(conv.created),
        updated=_unix(conv.updated),
        model=conv.model,
        system=conv.system,
        messages=[
            ImportedMessage(m.role, m.content, _unix(m.created), m.status, m.model,
                            m.prompt_tokens, m.completion_tokens, m.cost, _command(m.command),
                            tuple(c.model_dump() for c in m.tool_calls) if m.tool_calls else None)
            for m in conv.messages
        ],
        id=conv.id,
        backend=conv.backend,
        recipe=conv.recipe,
        summary=ImportedSummary(summary.text, summary.covered, summary.model, _unix(summary.updated))
        if summary else None,
    )


def parse_export(data: dict[str, Any], where: str) -> ImportBatch:
    """The conversations of an ``aigc history export --format json`` file's data."""
    version = data.get("aigc_export")
    if isinstance(version, int) and not isinstance(version, bool) and version > EXPORT_VERSION:
        raise BadFile(
            f"{where} was written by a newer aigc (export version {version}, this aigc reads {EXPORT_VERSION})"
        )
    try:
        export = AigcExport.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "top level"
        raise BadFile(f"{where} is not a valid aigc export ({loc}: {err['msg']})") from None
    if export.aigc_export < 1:
        raise BadFile(f"{where} is not a valid aigc export (aigc_export: unknown version {export.aigc_export})")
    return ImportBatch("aigc", [_imported(c) for c in export.conversations])
