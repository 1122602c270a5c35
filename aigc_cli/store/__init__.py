"""The conversation store: SQLite (WAL) with recorded migrations.

``db`` opens the store and reads and writes turns; ``schema`` migrates;
``rows`` are the typed rows; ``search`` is full-text search; ``io`` and
``chatgpt`` export and import. See docs/ARCHITECTURE.md, "Store".
"""
