"""Where aigc keeps its files.

``AIGC_HOME`` (tests set it) puts everything in one folder; otherwise config
goes to the platform config dir and data (store, input history, model cache)
to the platform data dir, as platformdirs defines them.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "aigc"


def _home() -> Path | None:
    home = os.environ.get("AIGC_HOME")
    return Path(home).expanduser() if home else None


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP))


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP))


def config_file() -> Path:
    return config_dir() / "config.toml"


def secrets_file() -> Path:
    """API keys live apart from config.toml, in a file only the user can read."""
    return config_dir() / "secrets.toml"


def recipes_dir() -> Path:
    return config_dir() / "recipes"


def store_file() -> Path:
    return data_dir() / "history.db"


def input_history_file() -> Path:
    return data_dir() / "chat_history"


def model_cache_dir() -> Path:
    return data_dir() / "models"
