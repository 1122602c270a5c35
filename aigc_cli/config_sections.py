"""Settings sections split from config.py: limits, batch, tools, attachments, audio, speech.

Split from config.py to keep it about loading and precedence; ``config`` imports
them back, so ``from aigc_cli.config import ToolsSettings`` keeps working.
``Section`` is every section's base: unknown keys are refused, assignments checked.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class LimitsSettings(Section):
    """Bounds on what aigc reads and keeps, so no input or answer can exhaust memory or wait forever."""

    input_bytes: int = Field(default=64 << 20, ge=1024, description="largest prompt input (stdin, --file), bytes")
    import_bytes: int = Field(default=512 << 20, ge=1024, description="largest history/memory import file, bytes")
    answer_bytes: int = Field(
        default=16 << 20, ge=1024, description="an answer longer than this is cut (kept, interrupted)"
    )
    token_timeout: float = Field(
        default=300.0, gt=0, description="seconds without new text before a stream is given up"
    )
    memory_chars: int = Field(default=2000, ge=16, description="longest single memory, characters")


class BatchSettings(Section):
    """`aigc batch`: when to ask before a costly run, and how often an item is retried."""

    confirm_over: float = Field(default=1.0, ge=0, description="ask on a terminal above this estimate, USD")
    retries: int = Field(default=3, ge=0, le=20, description="attempts per item after the first")
    poll_seconds: float = Field(default=30.0, gt=0, description="longest wait between Batch API polls")


class ToolPolicy(Section):
    """`tools.NAME.policy`: allow | ask | deny for one tool (or a whole MCP server)."""

    policy: Literal["allow", "ask", "deny"] | None = None


class ToolsSettings(BaseModel):
    """Tools the model may call (aigc_cli/tools): defaults, limits, per-tool policies."""

    # no validate_assignment: with typed extras pydantic 2.13 nests them on assignment
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, ToolPolicy] = Field(init=False)  # tools.NAME.policy

    default: list[str] = Field(default_factory=list, description="tools on for every turn")
    max_rounds: int = Field(default=10, ge=1, le=100)
    timeout: float = Field(default=30.0, gt=0, description="seconds per call")
    result_tokens: int = Field(default=4000, ge=50, description="longer results are cut, with a note")
    turn_timeout: float = Field(default=600.0, gt=0, description="seconds for a whole turn's tool rounds")
    roots: list[str] = Field(default_factory=list, description="folders `read` may read besides the current one")

    def policy_of(self, name: str) -> str | None:
        spec = (self.__pydantic_extra__ or {}).get(name)
        return spec.policy if spec is not None else None


class AttachSettings(Section):
    """-a/--attach: how long and how much a URL attachment may take."""

    url_timeout: float = Field(default=20.0, gt=0, description="seconds for a URL attachment's whole download")


class AudioSettings(Section):
    """Audio attachments and `aigc transcribe`: the backend's /v1/audio/transcriptions."""

    transcribe_model: str = Field(
        default="whisper-1", description="the transcription model (whisper-1, gpt-4o-transcribe...)"
    )


class SpeechSettings(Section):
    """`aigc speak` and `--speak`: voice, model, player (issue #24)."""

    backend: str | None = Field(default=None, description="speech backend (default: as for text)")
    voice: str | None = Field(default=None, description="voice name (default: the engine's, by language offline)")
    model: str | None = Field(default=None, description="speech model for API backends (default gpt-4o-mini-tts)")
    player: str | None = Field(default=None, description="command that plays a file (default: the first found)")
