"""A repository's own git config can make a read-only git command run programs.

``git status`` runs ``core.fsmonitor``, ``git diff`` runs ``diff.external``
and textconv drivers, ``git log`` its ``core.pager``, and a folder someone
else made (an unpacked archive, a shared drive) carries its own ``.git/config``.
So a git command is judged read-only only when the config of the repository it
reads, local and worktree scopes, holds no key that runs a program, and when
that repository is known from the command: git pointed elsewhere
(``--git-dir``, ``--work-tree``) or a ``cd`` before it is not judged. The
user's own global and system config are theirs, and trusted.

Reading the config (``git config --list``) runs nothing from it.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

# keys (as `git config --list` prints them: section and name lower-cased) whose value is a program
_RUNS = re.compile(
    r"core\.(fsmonitor|pager|editor|sshcommand|askpass|hookspath|gitproxy|alternaterefscommand)"
    r"|pager\..+|alias\..+|sequence\.editor|diff\.external|diff\..+\.(textconv|command)"
    r"|filter\..+\.(clean|smudge|process)|merge\..+\.driver|credential\.(.+\.)?helper"
    r"|gpg\.(.+\.)?program|uploadpack\.packobjectshook|remote\..+\.(uploadpack|receivepack)"
)
_BOOLEAN = {"", "true", "false", "yes", "no", "on", "off", "1", "0"}


def reasons(cwd: Path, invocations: list[list[str]], moved: bool) -> list[str]:
    """Why the git commands (their arguments after ``git``) may run a program (empty: they cannot)."""
    if not invocations:
        return []
    if moved:
        return ["it changes folder before git runs, so the repository's config cannot be checked"]
    found: list[str] = []
    for args in invocations:
        folder, problem = _folder(cwd, args)
        for why in [problem] if problem else _risky_keys(folder):
            if why not in found:
                found.append(why)
    return found


def _folder(cwd: Path, args: list[str]) -> tuple[Path, str | None]:
    """The folder git starts in (``-C`` applied), or why it cannot be known."""
    folder = cwd
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] == "-C" and i + 1 < len(args):
            folder = folder / args[i + 1]
            i += 2
            continue
        if args[i].startswith(("--git-dir", "--work-tree", "--namespace")):
            return folder, f"git {args[i].split('=', 1)[0]} points git at a repository whose config is not checked"
        i += 1
    return folder, None


def _risky_keys(folder: Path) -> list[str]:
    try:
        out = subprocess.run(
            ["git", "config", "--list", "--show-scope", "--includes", "-z"],
            cwd=folder, capture_output=True, timeout=10, stdin=subprocess.DEVNULL,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"},
        ).stdout  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return []  # no git (the command fails anyway) or no such folder
    found = []
    fields = out.decode("utf-8", "replace").split("\0")
    for scope, entry in zip(fields[0::2], fields[1::2], strict=False):  # scope NUL key LF value NUL
        key, _, value = entry.partition("\n")
        if scope not in ("local", "worktree") or not _RUNS.fullmatch(key):
            continue
        if key == "core.fsmonitor" and value.strip().lower() in _BOOLEAN:
            continue  # git's own monitor, not a program
        found.append(f"the repository's git config sets {key}, which runs a program")
    return found
