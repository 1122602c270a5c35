"""`aigc image PROMPT`: pictures from a prompt (or --edit of one), saved as PNG files.

Parses flags, makes one call into the core (aigc_cli/images/draw.py) and
renders: the paths on stdout, one per line (so `| xargs open` works); on a
terminal one line per picture on stderr; `--json` for paths, sizes, the
revised prompt and the cost.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer
from aigc_cli.cli.complete_values import complete_backends, complete_models

PromptOpt = Annotated[
    Optional[list[str]], typer.Argument(metavar="[PROMPT]...", help="What to draw (or the change, with --edit).")
]
OutOpt = Annotated[
    Optional[str],
    typer.Option("-o", "--output", metavar="PATH", help="A folder, or a FILE.png (numbered when taken)."),
]
QualityOpt = Annotated[
    Optional[str],
    typer.Option("--quality", metavar="Q", help="low, medium, high (gpt-image-1); standard, hd (dall-e-3)."),
]
ModelOpt = Annotated[
    Optional[str],
    typer.Option(
        "-m", "--model", metavar="MODEL", help="Image model (default gpt-image-1).", autocompletion=complete_models
    ),
]
BackendOpt = Annotated[
    Optional[str],
    typer.Option("-b", "--backend", metavar="NAME", help="Backend to use.", autocompletion=complete_backends),
]
EditOpt = Annotated[
    Optional[str], typer.Option("--edit", metavar="IMAGE", help="Change this picture as the prompt says.")
]
MaskOpt = Annotated[
    Optional[str], typer.Option("--mask", metavar="MASK", help="With --edit: a PNG whose clear parts may change.")
]
FromLastOpt = Annotated[
    bool, typer.Option("--from-last", help="Illustrate the last answer (the model writes the prompt).")
]


def register(app: typer.Typer) -> None:
    app.command("image", help="Draw pictures from a prompt (OpenAI images API or compatible); --edit changes one.")(
        image
    )


def _read(path: str, what: str) -> bytes:
    from aigc_cli.errors import BadFile

    try:
        with open(path, "rb") as fh:
            data = fh.read((64 << 20) + 1)
    except OSError as exc:
        raise BadFile(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    if not data:
        raise BadFile(f"the {what} {path} is empty")
    if len(data) > 64 << 20:
        raise BadFile(f"the {what} {path} is larger than 64 MiB")
    return data


def image(
    prompt: PromptOpt = None,
    out: OutOpt = None,
    size: Annotated[Optional[str], typer.Option("--size", metavar="WxH", help="Picture size, e.g. 1024x1024.")] = None,
    n: Annotated[int, typer.Option("-n", min=1, max=10, metavar="N", help="How many pictures, 1 to 10.")] = 1,
    quality: QualityOpt = None,
    model: ModelOpt = None,
    backend: BackendOpt = None,
    edit: EditOpt = None,
    mask: MaskOpt = None,
    from_last: FromLastOpt = False,
    no_log: Annotated[bool, typer.Option("--no-log", help="Do not store this in the history.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Paths, sizes, revised prompts and cost as JSON.")] = False,
) -> None:
    """Draw pictures from a prompt."""
    from aigc_cli import inputs
    from aigc_cli.cli.common import print_json
    from aigc_cli.config import load_settings
    from aigc_cli.errors import UsageError
    from aigc_cli.images.draw import draw, prompt_from_last

    settings = load_settings()
    text = " ".join(prompt or []).strip() or (inputs.read_stdin() or "").strip()
    if mask and not edit:
        raise UsageError("--mask goes with --edit IMAGE")
    if from_last:
        if text:
            raise UsageError("--from-last writes the prompt itself; give no PROMPT with it")
        text = prompt_from_last(settings, backend=backend)
        print(f"aigc: drawing: {text}", file=sys.stderr)
    result = draw(
        text,
        settings,
        backend=backend,
        model=model,
        size=size,
        n=n,
        quality=quality,
        edit=_read(edit, "image") if edit else None,
        mask=_read(mask, "mask") if mask else None,
        out=out,
        log=not no_log,
    )
    if as_json:
        print_json(result.model_dump())
        return
    for d in result.images:
        print(d.path)
    sys.stdout.flush()
    from aigc_cli.cli.thumbnails import show

    if not show([d.path for d in result.images]) and sys.stderr.isatty():
        for d in result.images:
            dims = f" {d.width}×{d.height}" if d.width else ""
            print(f"🖼 {d.path}{dims}", file=sys.stderr)
    if sys.stderr.isatty() and result.cost is not None:
        print(f"aigc: cost ${result.cost:.3f}", file=sys.stderr)
