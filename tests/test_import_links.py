"""`aigc recipes import` never follows a link out of the imported folder (issue #25 §8):
a pattern's system.md linked to any file would become a system prompt sent to the API."""

from __future__ import annotations

import os
from pathlib import Path


def pattern(folder: Path, name: str, system: str = "You are terse.\n") -> Path:
    p = folder / name
    p.mkdir(parents=True)
    (p / "system.md").write_text(system)
    return p


def test_a_system_md_linked_outside_the_pattern_is_refused(aigc, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("PRIVATE KEY MATERIAL\n")
    p = tmp_path / "patterns" / "leak"
    p.mkdir(parents=True)
    os.symlink(secret, p / "system.md")
    r = aigc("recipes", "import", str(p))
    assert r.code == 3, r.err
    assert "system.md" in r.err and "outside" in r.err
    assert not (aigc.home / "recipes" / "leak.toml").exists()
    assert "PRIVATE KEY" not in r.err + r.out


def test_a_user_md_linked_outside_is_refused(aigc, tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text("read me\n")
    p = pattern(tmp_path / "patterns", "sneaky")
    os.symlink(outside, p / "user.md")
    r = aigc("recipes", "import", str(p))
    assert r.code == 3
    assert "user.md" in r.err and "outside" in r.err


def test_a_pattern_folder_linked_outside_a_folder_of_patterns_is_refused(aigc, tmp_path):
    elsewhere = pattern(tmp_path / "elsewhere", "away")
    root = tmp_path / "patterns"
    pattern(root, "fine")
    os.symlink(elsewhere, root / "away")
    r = aigc("recipes", "import", str(root))
    assert r.code == 3, r.err
    assert "away" in r.err and "outside" in r.err
    assert not (aigc.home / "recipes" / "fine.toml").exists()  # nothing imported


def test_links_that_stay_inside_the_folder_are_fine(aigc, tmp_path):
    p = pattern(tmp_path / "patterns", "shared", system="Shared instructions.\n")
    (p / "system.md").rename(p / "base.md")
    os.symlink("base.md", p / "system.md")
    r = aigc("recipes", "import", str(p))
    assert r.code == 0, r.err
    assert "Shared instructions." in (aigc.home / "recipes" / "shared.toml").read_text()
