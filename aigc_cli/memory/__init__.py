"""Personal memory: short facts the user asked aigc to remember about them.

``store`` reads and writes them in the conversation store (its own tables,
through the store's connection), ``block`` turns them into the "About the
user" part of a system prompt within a token budget, ``edit`` applies a
one-per-line text file, ``suggest`` asks the model for candidates (never
saved without the user's yes), and ``io`` is the JSON export/import.

Nothing here imports a UI library; the commands are in ``cli/commands/memory.py``.
"""
