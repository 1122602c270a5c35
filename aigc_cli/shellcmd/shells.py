"""The user's shell and OS (what the command is written for), and the key-binding snippets.

The shell comes from ``$SHELL`` (or ``--shell``), because that is what the
command will run in and what its syntax must be; on Windows without
``$SHELL`` it is PowerShell (or cmd when PowerShell is absent). The snippets
for ``--shell-init`` bind a key (Alt-G unless ``cmd.key`` says otherwise) to
replace the command line with the command generated for it, without
running it: the user still presses Enter.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from aigc_cli.errors import UsageError

POSIX = ("bash", "zsh", "sh", "fish")
_ALIASES = {
    "pwsh": "powershell",
    "powershell": "powershell",
    "cmd": "cmd",
    "dash": "sh",
    "ksh": "sh",
    "mksh": "sh",
    "ash": "sh",
}
INIT_SHELLS = ("bash", "zsh", "fish")


@dataclass(frozen=True)
class Shell:
    """A shell to write the command for and to run it with."""

    name: str  # bash, zsh, fish, sh, powershell or cmd
    path: str  # the executable

    def argv(self, script: str) -> list[str]:
        """How this shell runs a script given as a string."""
        if self.name == "powershell":
            return [self.path, "-NoProfile", "-Command", script]
        if self.name == "cmd":
            return [self.path, "/d", "/c", script]
        return [self.path, "-c", script]


def detect(env: Mapping[str, str] | None = None, override: str | None = None) -> Shell:
    """The user's shell: ``override`` (a name or a path), else ``$SHELL``, else the OS default."""
    env = os.environ if env is None else env
    given = override or env.get("SHELL", "")
    base = os.path.basename(given).lower().removesuffix(".exe")
    name = base if base in POSIX else _ALIASES.get(base, "")
    if override and not name:
        raise UsageError(f"unknown shell {override!r}", hint="one of: bash, zsh, fish, sh, powershell, cmd")
    if not name:
        if os.name == "nt":
            ps = shutil.which("pwsh") or shutil.which("powershell")
            return Shell("powershell", ps) if ps else Shell("cmd", env.get("COMSPEC", "cmd.exe"))
        return Shell("sh", "/bin/sh")
    path = given if os.path.isabs(given) else (shutil.which(given) or given)
    return Shell(name, path)


@lru_cache(maxsize=1)
def os_name() -> str:
    """The OS as the model should read it: ``Linux (Debian GNU/Linux 12)``, ``macOS 14.5``."""
    system = platform.system()
    if system == "Linux":
        try:
            with open("/etc/os-release", encoding="utf-8") as fh:
                m = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', fh.read(), re.M)
            return f"Linux ({m.group(1)})" if m else "Linux"
        except OSError:
            return "Linux"
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0]}".strip()
    if system == "Windows":
        return f"Windows {platform.release()}"
    return system or "Unix"


# ------------------------------------------------------------------ key bindings


def _key(spec: str, shell: str) -> str:
    """``alt-g`` / ``ctrl-g`` in the notation of each shell's bind command."""
    m = re.fullmatch(r"(alt|meta|ctrl|control)-([a-z0-9])", spec.strip().lower())
    if not m:
        raise UsageError(f"bad key {spec!r} for cmd.key", hint="e.g. alt-g or ctrl-g")
    mod, char = m.groups()
    if mod in ("alt", "meta"):
        return f"\\e{char}"
    return {"bash": f"\\C-{char}", "zsh": f"^{char.upper()}", "fish": f"\\c{char}"}[shell]


_BASH = r"""# aigc cmd: {key_name} turns what is typed on the line into a command (it does not run it)
__aigc_cmd_line() {{
    [ -n "$READLINE_LINE" ] || return 0
    local cmd
    cmd=$(aigc cmd --shell bash -- "$READLINE_LINE" </dev/null) || return 0
    READLINE_LINE=$cmd
    READLINE_POINT=${{#READLINE_LINE}}
}}
bind -x '"{key}": __aigc_cmd_line'
"""

_ZSH = r"""# aigc cmd: {key_name} turns what is typed on the line into a command (it does not run it)
__aigc_cmd_line() {{
    [[ -n $BUFFER ]] || return 0
    local cmd
    cmd=$(aigc cmd --shell zsh -- "$BUFFER" </dev/null)
    if [[ $? -eq 0 && -n $cmd ]]; then
        BUFFER=$cmd
        CURSOR=${{#BUFFER}}
    fi
    zle reset-prompt
}}
zle -N __aigc_cmd_line
bindkey '{key}' __aigc_cmd_line
"""

_FISH = r"""# aigc cmd: {key_name} turns what is typed on the line into a command (it does not run it)
function __aigc_cmd_line
    set -l line (commandline)
    test -n "$line"; or return 0
    set -l cmd (aigc cmd --shell fish -- "$line" </dev/null | string collect)
    if test $status -eq 0; and test -n "$cmd"
        commandline --replace -- $cmd
    end
    commandline --function repaint
end
bind {key} __aigc_cmd_line
"""


def init_snippet(shell: str, key: str = "alt-g") -> str:
    """The rc-file snippet for ``shell`` binding ``key``."""
    templates = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}
    if shell not in templates:
        raise UsageError(f"no --shell-init for {shell!r}", hint="one of: bash, zsh, fish")
    key_name = key.strip().title()
    return templates[shell].format(key=_key(key, shell), key_name=key_name)
