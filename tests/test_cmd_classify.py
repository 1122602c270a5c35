"""The destructive-command classifier on a table of real commands (tests/fixtures/shell_commands.toml).

Each case runs in a scratch folder holding notes.txt and build/, because
whether `> notes.txt` destroys anything depends on notes.txt existing.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aigc_cli.shellcmd.classify import classify

TABLE = Path(__file__).parent / "fixtures" / "shell_commands.toml"
CASES = tomllib.loads(TABLE.read_text(encoding="utf-8"))["case"]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("notes\n")
    (tmp_path / "build").mkdir()
    return tmp_path


def test_the_table_has_at_least_50_real_commands_of_both_kinds():
    assert len(CASES) >= 50
    assert sum(c["destructive"] for c in CASES) >= 25
    assert sum(not c["destructive"] for c in CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c["cmd"][:50] for c in CASES])
def test_classifier_on_a_real_command(case, scratch):
    findings = classify(case["cmd"], case.get("shell", "bash"), scratch)
    reasons = [f.reason for f in findings]
    if case["destructive"]:
        assert any(case["reason"] in r for r in reasons), reasons
    else:
        assert reasons == []


def test_a_redirection_is_destructive_only_over_an_existing_file(scratch):
    assert classify("date > notes.txt", "bash", scratch)[0].reason == "overwrites the existing file notes.txt"
    assert classify("date > other.txt", "bash", scratch) == []
    assert classify("date >> notes.txt", "bash", scratch) == []


def test_a_recursive_chmod_is_broad_in_the_home_folder_but_not_in_a_project(scratch):
    assert classify("chmod -R 755 .", "bash", scratch) == []
    assert classify("chmod -R 755 .", "bash", Path.home()) != []


def test_findings_point_at_the_offending_command(scratch):
    script = "cd build && make clean && rm -rf dist"
    (finding,) = classify(script, "bash", scratch)
    assert finding.span is not None
    assert script[finding.span[0] : finding.span[1]] == "rm -rf dist"
    assert finding.text == "rm -rf dist"


def test_each_reason_is_given_once(scratch):
    findings = classify("rm -rf a; rm -rf b", "bash", scratch)
    assert [f.reason for f in findings] == ["recursive, forced delete (rm -rf)"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("rm -f|&;<>()$`'\"\\{}\n*~/:=.ab")), max_size=60),
    shell=st.sampled_from(["bash", "zsh", "fish", "powershell"]),
)
def test_the_classifier_never_fails_on_any_text(text, shell, tmp_path_factory):
    findings = classify(text, shell, tmp_path_factory.getbasetemp())
    assert all(f.reason for f in findings)
