"""The interactive chat: ``loop`` (prompt_toolkit input and the turn loop),
``state`` (one session's conversation, backend and settings) and
``commands`` (the slash commands). Only ``loop`` imports prompt_toolkit."""
