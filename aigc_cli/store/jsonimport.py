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

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class ExportedAttachment(_Model):
    """One attachment row of a question (store/attachments.py); ``data`` is base64 and
    must hash to ``sha256``, so an export restores the very bytes that were sent."""

    position: int = Field(ge=0, le=MAX_INT)
    part: int = Field(default=0, ge=0, le=MAX_INT)
    kind: Literal["image", "pdf", "web", "audio", "text"]
    name: str
    size: int = Field(ge=0, le=MAX_INT)
    source: str | None = None
    label: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    mime: str | None = None
    width: int | None = Field(default=None, ge=0, le=MAX_INT)
    height: int | None = Field(default=None, ge=0, le=MAX_INT)
    data: str | None = None

    @model_validator(mode="after")
    def _bytes_match(self) -> "ExportedAttachment":
        if (self.data is None) != (self.sha256 is None):
            raise ValueError("data and sha256 come together")
        if self.data is not None:
            import base64
            import binascii
            import hashlib

            try:
                raw = base64.b64decode(self.data, validate=True)
            except binascii.Error:
                raise ValueError("data is not base64") from None
            if hashlib.sha256(raw).hexdigest() != self.sha256:
                raise ValueError("data does not match its sha256")
        return self

    def row(self) -> Any:
        import base64

        from aigc_cli.store.attachments import AttachmentRow

        return AttachmentRow(
            self.position,
            self.part,
            self.kind,
            self.name,
            self.size,
            self.source,
            self.label,
            self.sha256,
            self.mime,
            self.width,
            self.height,
            base64.b64decode(self.data) if self.data is not None else None,
        )


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
    attachments: list[ExportedAttachment] | None = None


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
            ImportedMessage(
                m.role,
                m.content,
                _unix(m.created),
                m.status,
                m.model,
                m.prompt_tokens,
                m.completion_tokens,
                m.cost,
                _command(m.command),
                tuple(c.model_dump() for c in m.tool_calls) if m.tool_calls else None,
                tuple(a.row() for a in m.attachments) if m.attachments else None,
            )
            for m in conv.messages
        ],
        id=conv.id,
        backend=conv.backend,
        recipe=conv.recipe,
        summary=ImportedSummary(summary.text, summary.covered, summary.model, _unix(summary.updated))
        if summary
        else None,
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
