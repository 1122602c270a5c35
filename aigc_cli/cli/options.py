"""Options shared by the task commands, declared once (docs/ARCHITECTURE.md)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from aigc_cli.cli.complete_values import complete_backends, complete_conversations, complete_knowledge_bases, complete_models

Model = Annotated[Optional[str], typer.Option("--model", "-m", help="Model name.", autocompletion=complete_models)]
BackendName = Annotated[
    Optional[str], typer.Option("--backend", "-b", help="Backend: openai, local, or a plugin's.", autocompletion=complete_backends)
]
System = Annotated[Optional[str], typer.Option("--system", "-s", help="System prompt.")]
def finite(value: Optional[float]) -> Optional[float]:
    """``-t nan`` passes click's range check (every comparison with NaN is false): refuse it here."""
    if value is not None and value != value:  # NaN is the one float unequal to itself
        raise typer.BadParameter("not a number: give a value from 0 to 2")
    return value


def not_empty(value: Optional[str]) -> Optional[str]:
    """``--cid ""`` would silently start a new conversation: an empty id is a usage error."""
    if value is not None and not value.strip():
        raise typer.BadParameter("empty conversation id; see `aigc history list`")
    return value


Temperature = Annotated[
    Optional[float],
    typer.Option("--temperature", "-t", min=0.0, max=2.0, callback=finite, help="Sampling temperature."),
]
MaxTokens = Annotated[
    Optional[int], typer.Option("--max-tokens", min=1, help="Longest answer, in tokens.")
]
NoStream = Annotated[bool, typer.Option("--no-stream", help="Wait for the whole answer.")]
Json = Annotated[
    bool, typer.Option("--json", help="Print one JSON object: answer, backend, model, usage.")
]
ModelPath = Annotated[
    Optional[str],
    typer.Option("--model-path", help="A GGUF file for the local backend (implies -b local)."),
]
Continue = Annotated[
    bool, typer.Option("--continue", "-c", help="Continue the most recent conversation.")
]
Cid = Annotated[
    Optional[str],
    typer.Option("--cid", metavar="ID", autocompletion=complete_conversations, callback=not_empty,
                 help="Continue this conversation (a unique id prefix is enough)."),
]
NoMemory = Annotated[
    bool, typer.Option("--no-memory", help="Leave out what aigc remembers about you (`aigc memory`).")
]
Tools = Annotated[
    Optional[list[str]],
    typer.Option("--tool", "-T", metavar="NAME",
                 help="Let the model call this tool: a built-in, an MCP server or server:tool (repeatable; `aigc tools list`)."),
]
NoTools = Annotated[bool, typer.Option("--no-tools", help="No tools this time (not even tools.default).")]
Attach = Annotated[
    Optional[list[str]],
    typer.Option("--attach", "-a", metavar="PATH|URL|-",
                 help="Attach an image, PDF, web page, audio or text file ('-' reads stdin; repeatable)."),
]
AttachOriginal = Annotated[
    bool, typer.Option("--attach-original", help="Send attached images as they are (not downscaled, metadata kept).")
]
NoLog = Annotated[bool, typer.Option("--no-log", help="Do not store this turn in the history.")]
Truncate = Annotated[
    bool,
    typer.Option(
        "--truncate",
        help="If the input alone is too large for the model's window, cut its middle instead of failing.",
    ),
]
Kb = Annotated[
    Optional[str],
    typer.Option("--kb", metavar="NAME", autocompletion=complete_knowledge_bases, help="Answer from this knowledge base (aigc kb add), citing its passages."),
]
