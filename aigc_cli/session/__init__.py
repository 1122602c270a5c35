"""Running turns: the core every command and the chat call (docs/ARCHITECTURE.md, "Session").

``options`` holds the shared task options; ``request`` the data a turn takes
and returns; ``choose`` the one rule for backend and model; ``cost`` the one
rule for cost; ``turn`` runs and stores a turn; ``tasks`` turns a recipe into
a turn; ``plan`` and ``summarize`` (with ``mapreduce``) are the tasks that do
more than one request. Nothing is imported here, so that importing
``session.options`` at start-up costs no pydantic.
"""
