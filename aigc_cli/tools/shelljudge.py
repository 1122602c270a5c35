"""Whether a command the model wants to run may run: `aigc cmd`'s own judgement.

``shellcmd.safety.judge`` reads the parsed command (quoting, chaining and
wrappers cannot hide a delete) and says whether it is destructive and
whether it may run with nobody watching (every program known read-only).
The ``shell`` tool asks for ``yes`` on a destructive command, and with no
terminal runs only what is runnable unattended.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Verdict:
    destructive: list[str]  # why it needs `yes` (empty: it does not)
    unattended: list[str]  # why it may not run with nobody watching (empty: it may)


def verdict(command: str, shell: str, cwd: str) -> Verdict:
    from aigc_cli.shellcmd.safety import judge

    j = judge(command, shell, cwd)
    return Verdict(
        destructive=list(j.reasons) if j.destructive or j.control_chars else [],
        unattended=[] if j.runnable_unattended else list(j.reasons) or ["not known to be read-only"],
    )
