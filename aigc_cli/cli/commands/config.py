"""`aigc config show/path/get/set`: settings, with secrets never printed in full."""

from __future__ import annotations

from typing import Annotated

import typer

config_app = typer.Typer(help="Show and change settings.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")


@config_app.command("path", help="Print where the config file lives.")
def path_cmd() -> None:
    from aigc_cli import paths

    print(paths.config_file())


@config_app.command("show", help="Show the effective settings and where each came from.")
def show_cmd(as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    from aigc_cli import config
    from aigc_cli.cli.common import print_json

    settings = config.load_settings()
    data = config.display_dict(settings)
    if as_json:
        print_json(data)
        return
    import tomli_w

    print(tomli_w.dumps(_drop_none(data)), end="")
    if settings.sources:
        print("\n# where values came from:")
        for key, source in sorted(settings.sources.items()):
            print(f"#   {key}: {source}")


def _drop_none(data: dict) -> dict:
    return {k: _drop_none(v) if isinstance(v, dict) else v for k, v in data.items() if v is not None}


@config_app.command("get", help="Print one setting, e.g. `aigc config get openai.model`.")
def get_cmd(key: str) -> None:
    from aigc_cli import config
    from aigc_cli.errors import UsageError

    data = config.display_dict(config.load_settings())
    node: object = data
    for part in config.split_key(key):
        if not isinstance(node, dict) or part not in node:
            raise UsageError(f"unknown setting {key!r}", hint="see `aigc config show`")
        node = node[part]
    print("" if node is None else node)


@config_app.command(
    "set",
    help="Change one setting, e.g. `aigc config set backend local`. "
    "A VALUE of - reads it from stdin (keeps API keys out of shell history).",
)
def set_cmd(key: str, value: str) -> None:
    from aigc_cli import config
    from aigc_cli.errors import UsageError

    if value == "-":
        value = _value_from_stdin()
    if key == "backend":
        from aigc_cli.backends import available, is_known

        if not is_known(value):
            raise UsageError(f"unknown backend {value!r}", hint=f"choose one of: {', '.join(available())}")
    if key in config.SECRET_KEYS and not value.strip():
        raise UsageError(f"{key} cannot be empty")
    path = config.set_value(key, value)
    shown = config.mask(value) if key in config.SECRET_KEYS else value
    print(f"{key} = {shown}  ({path})")


def _value_from_stdin() -> str:
    """The first line of stdin, typed or piped, without echoing a secret back."""
    import sys

    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("value: ").strip()
    return sys.stdin.readline().strip()
