"""Schema versions: a new store is created at the latest version with every
migration recorded; a version-1 store is upgraded in place with its data kept
and searchable; a store from a newer aigc is refused and left untouched."""

from __future__ import annotations

import sqlite3

from aigc_cli.store.schema import LATEST

# The version-1 schema exactly as the first release wrote it (frozen: a copy,
# so an accidental edit of the migration in the code is caught here).
V1_SCHEMA = """
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied REAL NOT NULL);
CREATE TABLE conversations (
    id TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '', created REAL NOT NULL, updated REAL NOT NULL,
    backend TEXT, model TEXT, recipe TEXT, system TEXT
);
CREATE INDEX conversations_updated ON conversations(updated);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL, created REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'interrupted', 'error')),
    prompt_tokens INTEGER, completion_tokens INTEGER, model TEXT
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);
INSERT INTO schema_migrations VALUES (1, 1700000000);
PRAGMA user_version = 1;
"""


def make_v1(path):
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.execute(
        "INSERT INTO conversations VALUES ('abc123def456', 'AIGC 是什么', 1700000000, 1700000100,"
        " 'openai', 'gpt-4o', NULL, 'Be brief.')"
    )
    conn.executemany(
        "INSERT INTO messages(conversation_id, role, content, created) VALUES ('abc123def456', ?, ?, ?)",
        [("user", "AIGC 是什么？", 1700000000), ("assistant", "人工智能生成内容。", 1700000100)],
    )
    conn.commit()
    conn.close()


def versions(path):
    with sqlite3.connect(path) as conn:
        return (
            conn.execute("PRAGMA user_version").fetchone()[0],
            [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY version")],
        )


def test_new_store_is_created_at_the_latest_version_with_each_migration_recorded(aigc_api, fake):
    aigc_api("ask", "hi")
    assert versions(aigc_api.home / "history.db") == (LATEST, list(range(1, LATEST + 1)))


def test_new_store_uses_wal_and_enforces_foreign_keys(aigc_api, fake):
    aigc_api("ask", "hi")
    with sqlite3.connect(aigc_api.home / "history.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_v1_store_is_upgraded_in_place(aigc_api):
    path = aigc_api.home / "history.db"
    make_v1(path)
    r = aigc_api("history", "list")
    assert r.code == 0, r.err
    assert r.out.startswith("abc123def456")
    assert versions(path) == (LATEST, list(range(1, LATEST + 1)))


def test_v1_messages_are_searchable_after_the_upgrade(aigc_api):
    make_v1(aigc_api.home / "history.db")
    r = aigc_api("history", "search", "生成")
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "abc123def456  " + r.out.split("  ")[1] + "  AIGC 是什么",
        "    assistant: 人工智能[生成]内容。",
    ]


def test_v1_conversation_can_be_continued_after_the_upgrade(aigc_api, fake):
    make_v1(aigc_api.home / "history.db")
    r = aigc_api("ask", "--cid", "abc1", "举个例子")
    assert r.code == 0, r.err
    sent = fake.chat_requests[-1]["json"]
    assert sent["model"] == "gpt-4o"
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "AIGC 是什么？"},
        {"role": "assistant", "content": "人工智能生成内容。"},
        {"role": "user", "content": "举个例子"},
    ]


def test_store_from_a_newer_aigc_is_refused_and_untouched(aigc_api, fake):
    path = aigc_api.home / "history.db"
    make_v1(path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    before = path.read_bytes()
    for args in (("history", "list"), ("ask", "hi")):
        r = aigc_api(*args)
        assert r.code == 3
        assert "newer aigc" in r.err
    assert path.read_bytes() == before
    assert fake.chat_requests == []


def make_previous(path):
    """The previous release's store (the version before the memory migration): v1 upgraded by
    the migrations it had, with what v3 and v4 added in use (a cost, an import, a summary)."""
    from aigc_cli.store.schema import migrate

    make_v1(path)
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, str(path), target=LATEST - 1)
    conn.execute("UPDATE messages SET cost = 0.0012 WHERE role = 'assistant'")
    conn.execute(
        "INSERT INTO conversations(id, title, created, updated, model, source)"
        " VALUES ('fedcba987654', 'Imported', 1700000200, 1700000300, 'gpt-4', 'chatgpt:xyz')"
    )
    conn.executemany(
        "INSERT INTO messages(conversation_id, role, content, created) VALUES ('fedcba987654', ?, ?, ?)",
        [("user", "hello {{x}} $x", 1700000200), ("assistant", "hi", 1700000300)],
    )
    conn.execute("INSERT INTO summaries VALUES ('abc123def456', 'earlier talk', 2, 'gpt-4o', 1700000100)")
    conn.close()


def test_the_previous_store_keeps_every_conversation_after_the_memory_migration(aigc_api):
    import json

    path = aigc_api.home / "history.db"
    make_previous(path)
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT * FROM messages ORDER BY id").fetchall()
        convs = conn.execute("SELECT * FROM conversations ORDER BY id").fetchall()
        summaries = conn.execute("SELECT * FROM summaries").fetchall()
    r = aigc_api("history", "list", "--json")
    assert r.code == 0, r.err
    assert sorted(c["id"] for c in json.loads(r.out)) == ["abc123def456", "fedcba987654"]
    assert versions(path) == (LATEST, list(range(1, LATEST + 1)))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT * FROM messages ORDER BY id").fetchall() == before
        assert conn.execute("SELECT * FROM conversations ORDER BY id").fetchall() == convs
        assert conn.execute("SELECT * FROM summaries").fetchall() == summaries
        assert conn.execute("SELECT count(*) FROM memories").fetchone() == (0,)


def test_the_previous_store_takes_memories_after_the_upgrade(aigc_api, fake):
    make_previous(aigc_api.home / "history.db")
    assert aigc_api("memory", "add", "Works in Go").code == 0
    r = aigc_api("ask", "--cid", "abc1", "举个例子")
    assert r.code == 0, r.err
    assert fake.chat_requests[-1]["json"]["messages"][0]["content"].startswith("Be brief.\n\n## About the user")
