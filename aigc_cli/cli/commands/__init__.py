"""One module per command, named as the user types it; each has ``register(app)`` (cli/main.py).

No command module imports another: what two share lives in ``cli/`` (tests/test_layout.py)."""
