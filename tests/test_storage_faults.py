"""Storage faults are told apart from damage, files are written atomically and
privately (issue #25 §7 and §8), through the installed `aigc`.

A full disk and a read-only mount are real: a small tmpfs mounted for the test
(tests run as root, which ignores permission bits, so chmod proves nothing).
Where mounting is not permitted the tests are skipped, saying why.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Aigc, aigc_at
from tests.fixtures.openai_server import Reply


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@pytest.fixture
def tmpfs(tmp_path: Path):
    """A 2 MiB tmpfs; ``tmpfs.remount_ro()`` makes it read-only."""
    point = tmp_path / "mnt"
    point.mkdir()
    r = _mount("-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(point))
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode})")

    class Mount:
        path = point

        @staticmethod
        def remount_ro() -> None:
            r = _mount("-o", "remount,ro", str(point))
            assert r.returncode == 0, r.stderr

    yield Mount
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


def fill(folder: Path) -> None:
    """Write until the file system is full (ENOSPC), down to the last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def home_on(mount, fake) -> Aigc:
    home = mount.path / "aigc-home"
    home.mkdir()
    return aigc_at(home, fake.url)


def assert_not_called_damaged(err: str) -> None:
    assert "move it aside" not in err and "unreadable" not in err and "disk I/O error" not in err, err
    assert "Traceback" not in err and "unexpected" not in err, err


# ------------------------------------------------------------ full disk


def test_a_full_disk_is_said_as_such_and_the_store_is_not_called_damaged(tmpfs, fake):
    aigc = home_on(tmpfs, fake)
    assert aigc("ask", "a first question").code == 0
    fill(tmpfs.path)
    r = aigc("ask", "summarise", input="word " * 40_000)  # a turn needing more room than is left
    assert r.code == 3, r.err
    assert "no space left" in r.err
    assert_not_called_damaged(r.err)
    listed = aigc("history", "list", "--json")  # a full disk still reads
    assert listed.code == 0, listed.err
    assert [c["title"] for c in json.loads(listed.out)] == ["a first question"]
    assert aigc("history", "search", "first").code == 0


def test_recipes_new_on_a_full_disk_leaves_no_empty_recipe(tmpfs, fake):
    aigc = home_on(tmpfs, fake)
    fill(tmpfs.path)
    r = aigc("recipes", "new", "longone", "--prompt", "word " * 20_000)
    assert r.code == 3, r.err
    assert "no space left" in r.err
    left = list((aigc.home / "recipes").iterdir()) if (aigc.home / "recipes").exists() else []
    assert left == []  # no 0-byte recipe, no temp file
    os.remove(tmpfs.path / "filler")
    r = aigc("recipes", "new", "longone", "--prompt", "word {{input}}")
    assert r.code == 0, r.err  # not blocked by a leftover


# ------------------------------------------------------------ read-only


def test_a_read_only_store_still_lists_and_searches(tmpfs, fake):
    aigc = home_on(tmpfs, fake)
    assert aigc("ask", "where is the zeppelin").code == 0
    tmpfs.remount_ro()
    listed = aigc("history", "list", "--json")
    assert listed.code == 0, listed.err
    (conv,) = json.loads(listed.out)
    found = aigc("history", "search", "zeppelin")
    assert found.code == 0, found.err
    assert conv["id"][:12] in found.out
    shown = aigc("history", "show", conv["id"])
    assert shown.code == 0 and "zeppelin" in shown.out
    r = aigc("ask", "another question")
    assert r.code == 3, r.err
    assert "read-only" in r.err
    assert_not_called_damaged(r.err)


def test_a_store_on_a_read_only_mount_with_no_history_yet(tmpfs, fake):
    aigc = home_on(tmpfs, fake)
    tmpfs.remount_ro()
    r = aigc("history", "list")
    assert r.code == 0, r.err
    r = aigc("ask", "hi")
    assert r.code == 3, r.err
    assert "read-only" in r.err
    assert_not_called_damaged(r.err)


def test_storage_faults_are_classified():
    import errno
    import sqlite3

    from aigc_cli.store.faults import storage_fault, store_error

    p = Path("/nonexistent/history.db")
    assert storage_fault(OSError(errno.ENOSPC, "full"), p) == "full"
    assert storage_fault(OSError(errno.EROFS, "ro"), p) == "read-only"
    assert storage_fault(sqlite3.OperationalError("database or disk is full"), p) == "full"
    assert storage_fault(sqlite3.OperationalError("attempt to write a readonly database"), p) == "read-only"
    damaged = store_error(sqlite3.DatabaseError("file is not a database"), p)
    assert "move it aside" in (damaged.hint or "")


# ------------------------------------------------------------ private files


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_and_its_journal_are_private(aigc_api):
    assert aigc_api("ask", "hi").code == 0
    home = aigc_api.home
    assert mode(home / "history.db") == 0o600
    for extra in ("history.db-wal", "history.db-shm"):
        if (home / extra).exists():
            assert mode(home / extra) == 0o600, extra
    assert mode(home) == 0o700


def test_an_existing_world_readable_store_is_made_private_on_open(aigc_api):
    assert aigc_api("ask", "hi").code == 0
    db = aigc_api.home / "history.db"
    os.chmod(db, 0o644)
    os.chmod(aigc_api.home, 0o755)
    assert aigc_api("history", "list").code == 0
    assert mode(db) == 0o600
    assert mode(aigc_api.home) == 0o700


def test_config_memory_export_and_history_export_are_private(aigc_api, tmp_path):
    assert aigc_api("config", "set", "openai.model", "gpt-4o").code == 0
    assert mode(aigc_api.home / "config.toml") == 0o600
    assert aigc_api("memory", "add", "I like tea").code == 0
    out = tmp_path / "mem.json"
    r = aigc_api("memory", "export", "-o", str(out))
    assert r.code == 0, r.err
    assert mode(out) == 0o600
    assert aigc_api("ask", "hi").code == 0
    md = tmp_path / "hist.md"
    r = aigc_api("history", "export", "--all", "-o", str(md))
    assert r.code == 0, r.err
    assert mode(md) == 0o600


def test_an_existing_world_readable_config_is_made_private(aigc_api):
    cfg = aigc_api.home / "config.toml"
    cfg.write_text('[openai]\nmodel = "gpt-4o"\n')
    os.chmod(cfg, 0o644)
    assert aigc_api("config", "show").code == 0
    assert mode(cfg) == 0o600


def test_a_knowledge_base_is_private(aigc_api, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("sourdough starter feeding\n")
    r = aigc_api("kb", "add", str(notes), "--no-embed")
    assert r.code == 0, r.err
    (base,) = (aigc_api.home / "kb").glob("*.db")
    assert mode(base) == 0o600
    assert mode(aigc_api.home / "kb") == 0o700


def test_atomic_write_leaves_the_old_file_when_the_disk_is_full(tmpfs):
    from aigc_cli.errors import StorageFull
    from aigc_cli.fileio import atomic_write

    target = tmpfs.path / "keep.txt"
    atomic_write(target, "the old text\n")
    fill(tmpfs.path)
    with pytest.raises(StorageFull, match="no space left"):
        atomic_write(target, "x" * 1_000_000)
    assert target.read_text() == "the old text\n"
    assert sorted(p.name for p in tmpfs.path.iterdir()) == ["filler", "keep.txt"]


def test_the_chats_input_history_is_private(chat, fake, home):
    from tests.fixtures.pty import CTRL_D

    old = home / "chat_history"
    old.write_text("\n# 2026-01-01\n+an older secret line\n")
    os.chmod(old, 0o644)
    fake.push(Reply(text="ok"))
    c = chat()
    c.ready()
    c.say("my private question")
    c.expect("ok")
    c.ready()
    c.send(CTRL_D)
    c.wait_exit()
    assert "my private question" in old.read_text()
    assert mode(old) == 0o600


def test_a_knowledge_base_on_a_read_only_mount_is_one_line(tmpfs, fake, tmp_path):
    aigc = home_on(tmpfs, fake)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("sourdough starter feeding\n")
    tmpfs.remount_ro()
    r = aigc("kb", "add", str(notes), "--no-embed")
    assert r.code == 3, r.err
    assert "read-only" in r.err
    assert_not_called_damaged(r.err)
