"""Why a command the model wants to run is destructive: `aigc cmd`'s own rules.

Uses ``shellcmd.safety.judge`` when it exists (the shared judgement of
`aigc cmd`), else the classifier it is built on; both read the parsed
command, so quoting or chaining cannot hide a delete.
"""

from __future__ import annotations


def destructive_reasons(command: str, shell: str, cwd: str) -> list[str]:
    """Every reason ``command`` needs ``yes`` (empty: none)."""
    try:
        from aigc_cli.shellcmd.safety import judge  # type: ignore[import-not-found]
    except ImportError:
        judge = None
    if judge is not None:
        verdict = judge(command, shell)
        if verdict.destructive or not verdict.runnable_unattended:
            return list(verdict.reasons) or ["not safe to run unattended"]
        return []
    from aigc_cli.shellcmd.classify import classify

    return [f.reason for f in classify(command, shell, cwd)]
