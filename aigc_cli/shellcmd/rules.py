"""The rule table: per command name, what makes it destructive.

Each rule gets the command's arguments (after wrappers like ``sudo`` are
looked through) and returns the reasons, as short phrases shown to the user
next to the command. Kept as data plus small functions so that adding a
command is one entry, and tested on tests/fixtures/shell_commands.toml.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol


class Paths(Protocol):
    def is_device(self, word: str) -> bool: ...
    def existing_file(self, word: str) -> bool: ...
    def broad(self, word: str) -> bool: ...


ROOT = {"sudo", "doas", "su", "pkexec", "run0"}
SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "fish", "eval"}  # whose `-c CODE` is classified too
INTERPRETERS = SHELLS - {"eval"} | {
    "python",
    "python3",
    "perl",
    "ruby",
    "node",
    "php",
    "pwsh",
    "powershell",
    "iex",
    "invoke-expression",
    "source",
    ".",
}
DOWNLOADERS = {
    "curl",
    "wget",
    "fetch",
    "http",
    "https",
    "aria2c",
    "iwr",
    "irm",
    "invoke-webrequest",
    "invoke-restmethod",
}
SQL_CLIENTS = {"psql", "mysql", "mariadb", "sqlite3", "sqlcmd", "clickhouse-client", "duckdb", "cockroach"}
DISK_DEVICE = re.compile(r"^/dev/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|r?disk\d|md\d|dm-\d|mapper/|loop\d)")
_SHUTDOWN = "shuts down or restarts the machine"
_KILL_ALL = "kills every process you can (kill -1)"

# ------------------------------------------------------------------ helpers


def short_flags(args: list[str]) -> set[str]:
    """The letters of every ``-xyz`` cluster before ``--``."""
    out: set[str] = set()
    for word in args:
        if word == "--":
            break
        if word.startswith("-") and not word.startswith("--"):
            out.update(word[1:])
    return out


def operands(args: list[str]) -> list[str]:
    """The non-option arguments (everything after ``--`` counts)."""
    out, rest = [], False
    for word in args:
        if rest or not word.startswith("-") or word == "-":
            out.append(word)
        elif word == "--":
            rest = True
    return out


def _has(args: list[str], *words: str) -> bool:
    """Any of ``words`` among ``args``; a long option also as ``--opt=value`` or abbreviated (GNU: ``--rec``)."""
    return any(
        w in words
        or (
            w.startswith("--")
            and len(w) > 2
            and any(p.startswith("--") and p.startswith(w.split("=", 1)[0]) for p in words)
        )
        for w in args
    )


# ------------------------------------------------------------------ rules


def _rm(args: list[str], via: str | None, paths: Paths) -> list[str]:
    flags = short_flags(args)
    recursive = bool(flags & {"r", "R"}) or _has(args, "--recursive")
    force = "f" in flags or _has(args, "--force")
    out = []
    if recursive and force:
        out.append("recursive, forced delete (rm -rf)")
    elif recursive:
        out.append("recursive delete (rm -r)")
    elif force:
        out.append("forced delete (rm -f)")
    if via:
        out.append(f"deletes every file {via} hands it")
    if _has(args, "--no-preserve-root"):
        out.append("deletes / itself (--no-preserve-root)")
    broad = [w for w in operands(args) if paths.broad(w)]
    if broad:
        out.append(f"deletes a broad path ({broad[0]})")
    return out


def _remove_item(args: list[str], via: str | None, paths: Paths) -> list[str]:
    """PowerShell's Remove-Item (and cmd's del /s, rd /s)."""
    low = [a.lower() for a in args]
    out = []
    if any(a.startswith("-r") and "-recurse".startswith(a) for a in low) or "/s" in low:
        out.append("recursive delete (Remove-Item -Recurse)")
    if any(a.startswith("-fo") and "-force".startswith(a) for a in low) or "/q" in low:
        out.append("forced delete (-Force)")
    return out


def _dd(args: list[str], via: str | None, paths: Paths) -> list[str]:
    for word in args:
        if word.startswith("of="):
            target = word[3:]
            if paths.is_device(target):
                return [f"writes raw data to the device {target}"]
            if paths.existing_file(target):
                return [f"overwrites the existing file {target}"]
    return []


def _partition(args: list[str], via: str | None, paths: Paths) -> list[str]:
    safe = {"-l", "--list", "-d", "--dump", "-s", "--show-size", "print", "-V", "--version", "-h", "--help"}
    return [] if safe & set(args) else ["repartitions a disk"]


def _format(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return [] if _has(args, "-n", "--no-act", "--help", "-V") else ["formats or wipes a disk"]


def _chmod(args: list[str], via: str | None, paths: Paths) -> list[str]:
    if not ("R" in short_flags(args) or _has(args, "--recursive")):
        return []
    broad = [w for w in operands(args)[1:] if paths.broad(w)]
    return [f"recursive permission change on a broad path ({broad[0]})"] if broad else []


def _tee(args: list[str], via: str | None, paths: Paths) -> list[str]:
    if "a" in short_flags(args) or _has(args, "--append"):
        return []
    for word in operands(args):
        if paths.is_device(word):
            return [f"writes raw data to the device {word}"]
        if paths.existing_file(word):
            return [f"overwrites the existing file {word}"]
    return []


def _cp_mv(name: str) -> Callable[[list[str], str | None, Paths], list[str]]:
    def rule(args: list[str], via: str | None, paths: Paths) -> list[str]:
        if short_flags(args) & {"n", "i", "t", "b"} or _has(
            args, "--no-clobber", "--interactive", "--target-directory", "--backup"
        ):
            return []
        words = operands(args)
        if len(words) < 2:
            return []
        out = []
        if name == "mv" and words[-1] == "/dev/null":
            out.append("moves files into /dev/null (deletes them)")
        elif paths.existing_file(words[-1]):
            out.append(f"overwrites the existing file {words[-1]}")
        if name == "mv" and any(paths.broad(w) for w in words[:-1]):
            out.append("moves a broad path")
        return out

    return rule


def _kill(args: list[str], via: str | None, paths: Paths) -> list[str]:
    i = 0
    if args[:1] and args[0] in ("-s", "-n"):
        i = 2
    elif args[:1] and args[0].startswith("-") and args[0] not in ("-1", "--"):
        i = 1  # the signal: -9, -KILL, -SIGTERM
    pids = [a for a in args[i:] if a != "--"]
    return [_KILL_ALL] if "-1" in pids else []


def _pkill(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return ["kills every process of a user"] if _has(args, "-u", "--uid", "--euid", "--user") else []


def _systemctl(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return [_SHUTDOWN] if set(args) & {"poweroff", "reboot", "halt", "kexec"} else []


def _shutdown(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return [] if _has(args, "-c", "--help") else [_SHUTDOWN]


def _init(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return [_SHUTDOWN] if args[:1] in (["0"], ["6"]) else []


def _find(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return ["deletes every file find matches (find -delete)"] if "-delete" in args else []


def _rsync(args: list[str], via: str | None, paths: Paths) -> list[str]:
    out = []
    if any(a.startswith("--delete") for a in args):
        out.append("deletes files in the destination (rsync --delete)")
    if "--remove-source-files" in args:
        out.append("deletes the source files (rsync --remove-source-files)")
    return out


def _git(args: list[str], via: str | None, paths: Paths) -> list[str]:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in ("-C", "-c") else 1
    if i >= len(args):
        return []
    sub, rest = args[i], args[i + 1 :]
    flags = short_flags(rest)
    out = []
    if sub == "push":
        if (
            "f" in flags
            or _has(rest, "--force", "--force-with-lease", "--force-if-includes", "--mirror")
            or any(w.startswith("+") for w in operands(rest))
        ):
            out.append("force push (rewrites the remote's history)")
        if "d" in flags or _has(rest, "--delete") or any(w.startswith(":") for w in operands(rest)):
            out.append("deletes a remote branch")
    elif sub == "reset" and "--hard" in rest:
        out.append("discards uncommitted changes (git reset --hard)")
    elif sub == "clean" and ("f" in flags or _has(rest, "--force")) and "n" not in flags and "--dry-run" not in rest:
        out.append("deletes untracked files (git clean)")
    elif sub == "branch" and ("D" in flags or ("d" in flags and ("f" in flags or "--force" in rest))):
        out.append("force-deletes a branch (git branch -D)")
    elif sub == "checkout" and ("f" in flags or "--force" in rest or operands(rest) == ["."]):
        out.append("discards local changes (git checkout)")
    elif sub == "restore" and operands(rest) and not ({"S"} & flags or "--staged" in rest):
        out.append("discards local changes (git restore)")
    elif sub == "stash" and rest[:1] in (["clear"], ["drop"]):
        out.append("deletes stashed changes (git stash)")
    elif sub in ("filter-branch", "filter-repo"):
        out.append("rewrites the repository's history")
    return out


def _docker(args: list[str], via: str | None, paths: Paths) -> list[str]:
    words = operands(args)
    if words[:2] in (["system", "prune"], ["volume", "prune"], ["volume", "rm"], ["image", "prune"]):
        return [f"deletes container data (docker {words[0]} {words[1]})"]
    removes = words[:1] in (["rm"], ["rmi"]) or words[:2] in (["container", "rm"], ["image", "rm"])
    if removes and ("f" in short_flags(args) or _has(args, "--force")):
        return ["force-deletes containers or images (docker rm -f)"]
    if words[:2] == ["compose", "down"] and ("v" in short_flags(args) or _has(args, "--volumes")):
        return ["deletes the project's volumes (docker compose down -v)"]
    return []


def _in_place(args: list[str], via: str | None, paths: Paths) -> list[str]:
    """``sed -i`` / ``perl -pi``: an in-place edit with no backup suffix keeps no copy."""
    for word in args:
        if word == "--":
            break
        if word == "--in-place" or (word[:1] == "-" and word[1:2] != "-" and word.endswith("i")):
            return ["edits files in place, keeping no copy (-i)"] if operands(args) else []
    return []


def _kubectl(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return ["deletes cluster resources (kubectl delete)"] if "delete" in operands(args)[:1] else []


def _terraform(args: list[str], via: str | None, paths: Paths) -> list[str]:
    words = operands(args)
    return ["destroys infrastructure (terraform destroy)"] if words[:1] == ["destroy"] or "-destroy" in args else []


def _redis(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return ["deletes every key (redis FLUSHALL)"] if {a.upper() for a in args} & {"FLUSHALL", "FLUSHDB"} else []


def _mongo(args: list[str], via: str | None, paths: Paths) -> list[str]:
    joined = " ".join(args)
    return ["drops a MongoDB database or collection"] if "dropDatabase" in joined or ".drop(" in joined else []


def _iptables(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return ["flushes the firewall rules"] if _has(args, "-F", "--flush", "flush") else []


def _crontab(args: list[str], via: str | None, paths: Paths) -> list[str]:
    return ["removes all your cron jobs (crontab -r)"] if "r" in short_flags(args) else []


def _always(reason: str) -> Callable[[list[str], str | None, Paths], list[str]]:
    return lambda args, via, paths: [reason]


_RULES: dict[str, Callable[[list[str], str | None, Paths], list[str]]] = {
    "rm": _rm,
    "remove-item": _remove_item,
    "ri": _remove_item,
    "del": _remove_item,
    "erase": _remove_item,
    "rd": _remove_item,
    "rmdir": _remove_item,
    "shred": _always("overwrites files beyond recovery (shred)"),
    "srm": _always("overwrites files beyond recovery (srm)"),
    "truncate": _always("truncates files (truncate)"),
    "dd": _dd,
    "mke2fs": _format,
    "mkswap": _format,
    "wipefs": _format,
    "blkdiscard": _format,
    "format-volume": _format,
    "clear-disk": _format,
    "fdisk": _partition,
    "sfdisk": _partition,
    "gdisk": _partition,
    "cfdisk": _partition,
    "parted": _partition,
    "chmod": _chmod,
    "chown": _chmod,
    "chgrp": _chmod,
    "tee": _tee,
    "cp": _cp_mv("cp"),
    "mv": _cp_mv("mv"),
    "kill": _kill,
    "killall5": _always(_KILL_ALL),
    "pkill": _pkill,
    "killall": _pkill,
    "shutdown": _shutdown,
    "reboot": _shutdown,
    "halt": _shutdown,
    "poweroff": _shutdown,
    "stop-computer": _always(_SHUTDOWN),
    "restart-computer": _always(_SHUTDOWN),
    "systemctl": _systemctl,
    "init": _init,
    "telinit": _init,
    "find": _find,
    "rsync": _rsync,
    "git": _git,
    "docker": _docker,
    "podman": _docker,
    "kubectl": _kubectl,
    "terraform": _terraform,
    "tofu": _terraform,
    "redis-cli": _redis,
    "mongosh": _mongo,
    "mongo": _mongo,
    "iptables": _iptables,
    "ip6tables": _iptables,
    "nft": _iptables,
    "crontab": _crontab,
    "sed": _in_place,
    "gsed": _in_place,
    "perl": _in_place,
}


def check(name: str, args: list[str], via: str | None, paths: Paths) -> list[str]:
    """The reasons command ``name`` with ``args`` is destructive (empty: none)."""
    if name.startswith("mkfs"):
        return _format(args, via, paths)
    rule = _RULES.get(name)
    return rule(args, via, paths) if rule else []


_SQL_DROP = re.compile(
    r"\b(drop\s+(table|database|schema|view|index|user|role|owned)\b|truncate\s+(table\s+)?[\w.\"`]+)", re.I
)
_SQL_DELETE_ALL = re.compile(r"\bdelete\s+from\s+[\w.\"`]+\s*(;|'|\"|$)", re.I | re.M)


def sql_danger(text: str, clients: set[str]) -> str | None:
    """What SQL handed to a client would destroy: DROP/TRUNCATE, or DELETE without WHERE."""
    if _SQL_DROP.search(text):
        return f"drops or empties SQL tables (DROP/TRUNCATE in {min(clients)})"
    if _SQL_DELETE_ALL.search(text):
        return f"deletes every row of a table (DELETE without WHERE in {min(clients)})"
    return None
