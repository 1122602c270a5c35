"""More of issue #22 through the installed command: the vision column, prune, other tasks."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from tests.fixtures import attach_files as files


def _blobs(home: Path) -> int:
    with sqlite3.connect(next(home.rglob("*.db"))) as db:
        return db.execute("SELECT count(*) FROM blobs").fetchone()[0]


def test_models_list_shows_which_models_see(aigc_api) -> None:
    r = aigc_api("models", "list", "--json")
    assert r.code == 0, r.err
    rows = {m["name"]: m for m in json.loads(r.out)}
    assert rows["gpt-4o-mini"]["vision"] is True and rows["gpt-3.5-turbo"]["vision"] is False
    table = aigc_api("models", "list").out
    assert "VISION" in table.splitlines()[0]
    assert aigc_api("config", "set", "models.gpt-3.5-turbo.vision", "true").code == 0
    rows = {m["name"]: m for m in json.loads(aigc_api("models", "list", "--json").out)}
    assert rows["gpt-3.5-turbo"]["vision"] is True


def test_prune_removes_blobs_no_turn_uses(aigc_api, fake, home: Path, tmp_path: Path) -> None:
    a, b = files.png(tmp_path / "a.png", (40, 40)), files.png(tmp_path / "b.png", (50, 50))
    assert aigc_api("ask", "-a", str(a), "first").code == 0
    old = json.loads(aigc_api("history", "list", "--json").out)[0]["id"]
    with sqlite3.connect(next(home.rglob("*.db"))) as db:
        db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (time.time() - 40 * 86400, old))
    assert aigc_api("ask", "-a", str(b), "second").code == 0
    assert _blobs(home) == 2
    r = aigc_api("history", "prune", "--older-than", "30d", "--yes")
    assert r.code == 0, r.err
    assert _blobs(home) == 1  # the pruned conversation's image went; the kept one's stayed
    shown = json.loads(
        aigc_api("history", "show", json.loads(aigc_api("history", "list", "--json").out)[0]["id"], "--json").out
    )
    assert shown["messages"][0]["attachments"][0]["name"].endswith("b.png")


def test_the_same_image_twice_is_stored_once(aigc_api, fake, home: Path, tmp_path: Path) -> None:
    a = files.png(tmp_path / "a.png", (40, 40))
    assert aigc_api("ask", "-a", str(a), "one").code == 0
    assert aigc_api("ask", "-a", str(a), "two").code == 0
    assert _blobs(home) == 1


def test_write_and_run_take_attachments(aigc_api, fake, tmp_path: Path) -> None:
    note = tmp_path / "facts.txt"
    note.write_text("Our office moves to Berlin in May.", encoding="utf-8")
    assert aigc_api("write", "-a", str(note), "an announcement").code == 0
    assert "moves to Berlin" in json.dumps(fake.chat_requests[-1]["json"]["messages"])
    r = aigc_api("run", "summarize", "-a", str(note))
    assert r.code == 0, r.err
    assert "moves to Berlin" in json.dumps(fake.chat_requests[-1]["json"]["messages"])


def test_cid_resends_the_image(aigc_api, fake, tmp_path: Path) -> None:
    a = files.png(tmp_path / "a.png", (40, 40))
    assert aigc_api("ask", "-a", str(a), "one").code == 0
    cid = json.loads(aigc_api("history", "list", "--json").out)[0]["id"]
    assert aigc_api("ask", "--cid", cid[:6], "again?").code == 0
    first = [m for m in fake.chat_requests[-1]["json"]["messages"] if m["role"] == "user"][0]
    assert any(p["type"] == "image_url" for p in first["content"])
