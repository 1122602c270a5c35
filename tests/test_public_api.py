"""The public API plugins and embedders import (issue #20 §6): pinned, lazy, and real.

A change to ``aigc_cli.__all__`` is an API change: this test names every
entry, so adding or removing one is a deliberate edit here too.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import aigc_cli
from aigc_cli import backends
from aigc_cli.backends.fake import FakeBackend
from aigc_cli.config import Settings
from tests.conftest import base_env
from tests.test_plugin_backend import with_plugins

PUBLIC = [
    "__version__",
    "Backend",
    "ModelInfo",
    "Price",
    "FREE",
    "Message",
    "GenOptions",
    "Chunk",
    "Usage",
    "provide",
    "AigcError",
    "UsageError",
    "ConfigError",
    "BadFile",
    "AuthError",
    "BackendUnreachable",
    "BadServerAnswer",
    "RateLimited",
    "InputTooLarge",
    "BackendError",
    "StoreError",
    "StorageFull",
    "StorageReadOnly",
]


def test_all_is_pinned():
    assert aigc_cli.__all__ == PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name):
    assert getattr(aigc_cli, name) is not None
    assert name in dir(aigc_cli)


def test_public_names_are_the_internal_objects():
    from aigc_cli.backends.base import Backend
    from aigc_cli.errors import RateLimited
    from aigc_cli.messages import Message

    assert aigc_cli.Backend is Backend and aigc_cli.Message is Message and aigc_cli.RateLimited is RateLimited
    assert aigc_cli.RateLimited("x").exit_code == 5


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        aigc_cli.NotAThing  # noqa: B018 - the access is the test


def test_importing_the_package_loads_nothing_heavy(home):
    code = "import aigc_cli, sys; print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'aigc_cli.'))))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=base_env(home), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_a_subclass_of_the_public_backend_is_a_full_backend():
    class Mine(aigc_cli.Backend):
        name = "mine"
        default_model = "m-1"

        def stream(self, messages, options):
            yield aigc_cli.Chunk(text="hi", finish_reason="stop")

    with backends.provide(Mine()):
        be = backends.get_backend("mine", Settings())
        assert be.complete([aigc_cli.Message(role="user", content="x")], aigc_cli.GenOptions()).text == "hi"
        assert not be.supports_tools("m-1")
    assert not backends.is_known("mine")


def _provided_fake() -> object:
    return backends.get_backend("fake", Settings()) if backends.is_known("fake") else None


def test_provide_is_undone_and_restores_the_one_before():
    before = _provided_fake()  # another test in this worker may have provided one
    first, second = FakeBackend(model="one"), FakeBackend(model="two")
    undo_first = backends.provide(first)
    with backends.provide(second):
        assert backends.get_backend("fake", Settings()) is second
    assert backends.get_backend("fake", Settings()) is first
    undo_first()
    assert _provided_fake() is before


def test_the_registry_keys_backends_by_their_settings():
    a = backends.get_backend("openai", Settings(openai={"model": "gpt-4o"}))
    b = backends.get_backend("openai", Settings(openai={"model": "gpt-4.1"}))
    assert (a.default_model, b.default_model) == ("gpt-4o", "gpt-4.1")
    assert backends.get_backend("openai", Settings(openai={"model": "gpt-4o"})) is a


def test_a_plugin_reads_its_own_backends_table(aigc):
    env = with_plugins("echo")
    (aigc.home / "config.toml").write_text('[backends.echo]\nprefix = "parrot"\n')
    r = aigc("ask", "-b", "echo", "hi", **env)
    assert r.code == 0, r.err
    assert r.out == "parrot[echo-1]: hi\n"


def test_config_set_writes_a_plugin_setting(aigc):
    env = with_plugins("echo")
    assert aigc("config", "set", "backends.echo.prefix", "kea", **env).code == 0
    assert aigc("ask", "-b", "echo", "hi", **env).out == "kea[echo-1]: hi\n"
