"""The store's schema as numbered migrations, applied in place and recorded.

Each migration runs once, in its own ``BEGIN IMMEDIATE`` transaction together
with the bump of ``PRAGMA user_version`` and a row in ``schema_migrations``,
so a crash mid-upgrade leaves the old version intact and the next start simply
retries. A database newer than this code is refused, never touched.
"""

from __future__ import annotations

import sqlite3
import time

from aigc_cli.errors import StoreError

V1 = """
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied REAL NOT NULL);
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL,
    backend TEXT,
    model TEXT,
    recipe TEXT,
    system TEXT
);
CREATE INDEX conversations_updated ON conversations(updated);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL,
    created REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'complete'
        CHECK (status IN ('complete', 'interrupted', 'error')),
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    model TEXT
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);
"""

# Full-text search: trigram tokens match any substring of 3+ characters, which
# is what makes Chinese (no spaces between words) searchable at all.
V2 = """
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content='messages', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
"""

# Cost per message (filled from the model price table) and the source id of
# imported conversations, so importing the same export twice adds nothing.
V3 = """
ALTER TABLE messages ADD COLUMN cost REAL;
ALTER TABLE conversations ADD COLUMN source TEXT;
CREATE UNIQUE INDEX conversations_source ON conversations(source) WHERE source IS NOT NULL;
CREATE INDEX conversations_model ON conversations(model);
CREATE INDEX conversations_recipe ON conversations(recipe);
"""

# A conversation's running summary (context.strategy = "summarize"): the text
# condenses the first ``covered`` context messages, so later turns reuse it.
V4 = """
CREATE TABLE summaries (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    covered INTEGER NOT NULL,
    model TEXT,
    updated REAL NOT NULL
);
"""

# `aigc cmd`: the command each such turn settled on (after any edit), whether
# it was run and its exit status; keyed by the turn's answer message.
V5_COMMANDS = """
CREATE TABLE commands (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    command TEXT NOT NULL,
    shell TEXT NOT NULL,
    ran INTEGER NOT NULL DEFAULT 0,
    exit_status INTEGER,
    updated REAL NOT NULL
);
"""

# Personal memory (issue #14): what the user asked aigc to remember, and which
# of it each turn was sent. AUTOINCREMENT so a removed memory's id is never
# reused (a turn's record must not point at a different memory later); the
# record keeps the text as sent, since a memory can be edited or removed.
V6_MEMORY = """
CREATE TABLE memories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    created REAL NOT NULL,
    source TEXT NOT NULL DEFAULT 'cli',
    pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1))
);
CREATE TABLE message_memories (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    memory_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (message_id, memory_id)
);
"""

# `aigc batch` (issue #23): one job per command (its spec as JSON, keyed by a hash of
# it, so re-running the same command resumes it), one row per input item, committed
# as each item finishes: a SIGKILL loses nothing that finished.
V_BATCH = """
CREATE TABLE batch_jobs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    recipe TEXT NOT NULL,
    spec TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'running'
        CHECK (state IN ('running', 'done', 'cancelled', 'stopped')),
    api TEXT NOT NULL DEFAULT 'live',
    remote_id TEXT
);
CREATE TABLE batch_items (
    job_id TEXT NOT NULL REFERENCES batch_jobs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    key TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    output TEXT,
    output_path TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cost REAL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    conversation_id TEXT,
    updated REAL,
    PRIMARY KEY (job_id, idx)
);
CREATE INDEX batch_items_status ON batch_items(job_id, status);
"""

# Tools (issue #21): each call a turn made, keyed by the turn's answer message:
# the call as the model sent it, its result or error, how long it took and what
# the policy decided; ``round`` and ``preface`` (the assistant's text with that
# round's calls) let `-c` re-send the rounds in the form the API expects.
V_TOOLS = """
CREATE TABLE tool_calls (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    round INTEGER NOT NULL DEFAULT 1,
    call_id TEXT NOT NULL,
    name TEXT NOT NULL,
    arguments TEXT NOT NULL,
    result TEXT,
    error TEXT,
    duration REAL NOT NULL DEFAULT 0,
    decision TEXT NOT NULL,
    preface TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (message_id, seq)
);
"""

# Attachments (issue #22): the bytes sent (prepared images, rendered PDF pages)
# stored once by sha256 in the database itself (one file to back up, one
# transaction with the turn); a user message lists what was attached to it,
# one row per picture (``part``) or one with no blob for text-only kinds.
# Blobs no message references are deleted with the conversations that used them.
V_ATTACHMENTS = """
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    data BLOB NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE message_attachments (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    part INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    source TEXT,
    label TEXT,
    blob TEXT REFERENCES blobs(sha256),
    PRIMARY KEY (message_id, position, part)
);
CREATE INDEX message_attachments_blob ON message_attachments(blob);
"""

MIGRATIONS: list[str] = [V1, V2, V3, V4, V5_COMMANDS, V6_MEMORY, V_BATCH, V_TOOLS, V_ATTACHMENTS]
LATEST = len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """Split a script into statements (``executescript`` would commit our transaction)."""
    out: list[str] = []
    buf = ""
    for line in script.strip().splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def refuse_newer(conn: sqlite3.Connection, where: str) -> None:
    """StoreError if the file comes from a newer aigc; call before changing anything."""
    _refuse_newer(version(conn), where)


def _refuse_newer(found: int, where: str) -> None:
    if found > LATEST:
        raise StoreError(
            f"{where} was written by a newer aigc (store version {found}, this aigc knows {LATEST})",
            hint="upgrade aigc; the file was left untouched",
        )


def migrate(conn: sqlite3.Connection, where: str, target: int = LATEST) -> None:
    """Bring the database up to ``target``, one recorded migration at a time."""
    current = version(conn)
    _refuse_newer(current, where)
    while current < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = version(conn)  # another process may have migrated meanwhile
            _refuse_newer(current, where)
            if current < target:
                for stmt in _statements(MIGRATIONS[current]):
                    conn.execute(stmt)
                current += 1
                conn.execute(
                    "INSERT INTO schema_migrations(version, applied) VALUES (?, ?)",
                    (current, time.time()),
                )
                conn.execute(f"PRAGMA user_version = {current}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
