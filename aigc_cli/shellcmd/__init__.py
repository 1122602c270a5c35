"""`aigc cmd`'s core: a request becomes one shell command, checked before it runs.

``extract`` reduces a model's answer to the bare command, ``parse`` and
``classify`` recognise destructive commands with a real shell parser,
``shells`` knows the user's shell (and the key-binding snippets), ``run``
runs a command through that shell with the terminal attached, ``task``
builds the turns and ``record`` stores what happened to the command.
No UI here: the menu lives in ``cli/commands/cmd.py``.
"""
