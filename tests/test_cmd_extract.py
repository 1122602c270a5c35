"""A model's answer reduced to the bare command (what runs, what a pipe gets)."""

from __future__ import annotations

import pytest

from aigc_cli.shellcmd.extract import extract_command

CASES = [
    ("```bash\nls -la\n```", "ls -la"),
    ("Here is the command:\n```sh\ndu -sh * | sort -h\n```\nIt sorts by size.", "du -sh * | sort -h"),
    ("```\n$ git status\nOn branch main\n```", "git status"),
    ("`ls -la`", "ls -la"),
    ("You can use `df -h` to see free space.", "df -h"),
    ("ls -la", "ls -la"),
    ("Here is the command:\nfind . -name '*.py'", "find . -name '*.py'"),
    ("```bash\nfor f in *.heic; do\n  convert \"$f\" \"${f%.heic}.jpg\"\ndone\n```",
     "for f in *.heic; do\n  convert \"$f\" \"${f%.heic}.jpg\"\ndone"),
    ("```bash\nls -la", "ls -la"),  # cut off before the closing fence
    ("echo `date`", "echo `date`"),
    ("~~~fish\nfor f in *.txt; echo $f; end\n~~~", "for f in *.txt; echo $f; end"),
    ("```bash\ntar -czf a.tgz \\\n  src/\n```", "tar -czf a.tgz \\\n  src/"),
    ("```powershell\nGet-ChildItem | Sort-Object Length\n```\n\nOr with `ls`: ```ls```", "Get-ChildItem | Sort-Object Length"),
    ("", ""),
]


@pytest.mark.parametrize(("answer", "command"), CASES, ids=[c[1][:30] or "empty" for c in CASES])
def test_extract_the_bare_command(answer, command):
    assert extract_command(answer) == command
