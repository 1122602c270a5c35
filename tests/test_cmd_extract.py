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
    (
        '```bash\nfor f in *.heic; do\n  convert "$f" "${f%.heic}.jpg"\ndone\n```',
        'for f in *.heic; do\n  convert "$f" "${f%.heic}.jpg"\ndone',
    ),
    ("```bash\nls -la", "ls -la"),  # cut off before the closing fence
    ("echo `date`", "echo `date`"),
    ("~~~fish\nfor f in *.txt; echo $f; end\n~~~", "for f in *.txt; echo $f; end"),
    ("```bash\ntar -czf a.tgz \\\n  src/\n```", "tar -czf a.tgz \\\n  src/"),
    (
        "```powershell\nGet-ChildItem | Sort-Object Length\n```\n\nOr with `ls`: ```ls```",
        "Get-ChildItem | Sort-Object Length",
    ),
    ("", ""),
]


@pytest.mark.parametrize(("answer", "command"), CASES, ids=[c[1][:30] or "empty" for c in CASES])
def test_extract_the_bare_command(answer, command):
    assert extract_command(answer) == command


PROSE = [
    "Here are the files.",
    "The line of every .py file is the longest.",
    "I cannot help with that.",
    "Sorry, I can't do that",
    "Use ls -la to list the files",
    "make sure the folder exists.",
    "Sure! Here is what you asked for.",
]


@pytest.mark.parametrize("answer", PROSE)
def test_prose_is_never_a_command(answer):
    """Issue #26: the bundled model's "Here are the files." ran through bash."""
    assert extract_command(answer) == ""


@pytest.mark.parametrize(
    ("answer", "command"),
    [
        ("Sure! Here is the command you asked for: ls -la", "ls -la"),
        ("ls -la\nThis lists every file, hidden ones too.", "ls -la"),
        ("To count the lines, run:\nwc -l *.py\n\nThis prints each count.", "wc -l *.py"),
        ("Here's how: `du -sh .`", "du -sh ."),
        ('git commit -m "Fix the bug in the parser"', 'git commit -m "Fix the bug in the parser"'),
        ("convert a.heic a.jpg", "convert a.heic a.jpg"),  # a program not installed here is still a command
        ("find .", "find ."),
    ],
)
def test_a_command_line_is_taken_and_the_prose_around_it_left(answer, command):
    assert extract_command(answer) == command
