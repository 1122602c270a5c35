"""The core tells the user things through aigc_cli.notices, never by printing (issue #20 §5)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import base_env


def test_a_notice_is_one_aigc_line_on_stderr_once_the_cli_sink_is_installed(home):
    code = (
        "from aigc_cli.notices import notify, to_stderr\n"
        "to_stderr(); to_stderr()\n"  # installed once, however often asked
        "notify('llama.cpp crashed; using the safe load settings')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=base_env(home), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == "aigc: llama.cpp crashed; using the safe load settings\n"


def test_the_load_safety_probe_reports_through_notices_not_print():
    import ast
    from pathlib import Path

    import aigc_cli.backends.loadsafety as mod

    tree = ast.parse(Path(mod.__file__).read_text(encoding="utf-8"))
    prints = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"]
    assert prints == []
    assert "notify(" in Path(mod.__file__).read_text(encoding="utf-8")
