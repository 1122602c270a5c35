"""File names -> short names, split sets and quant labels; which files a pull takes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aigc_cli.errors import ConfigError, UsageError
from aigc_cli.localmodels import choose, names


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("Qwen2.5-1.5B-Instruct-Q4_K_M.gguf", "qwen2.5-1.5b-instruct-q4_k_m"),
        ("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", "qwen2.5-7b-instruct-q4_k_m"),
        ("Q4_K_M/Big-Q4_K_M-00002-of-00003.gguf", "big-q4_k_m"),
        ("Phi-3-mini-4k-instruct-q4.gguf", "phi-3-mini-4k-instruct-q4"),
    ],
)
def test_short_name_is_the_lower_case_stem_without_the_split_suffix(filename, expected):
    assert names.short_name(filename) == expected


@given(
    base=st.text(
        st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="-_."), min_size=1, max_size=30
    ),
    part=st.integers(1, 99),
    total=st.integers(1, 99),
)
def test_every_part_of_a_split_set_has_the_unsplit_files_name(base, part, total):
    assert names.short_name(f"{base}-{part:05d}-of-{total:05d}.gguf") == names.short_name(f"{base}.gguf")


@pytest.mark.parametrize(
    "filename, quant, hit",
    [
        ("m-Q4_K_M.gguf", "q4_k_m", True),
        ("m-Q4_K_M.gguf", "Q4_K", False),
        ("m-Q4_K_S.gguf", "Q4_K_M", False),
        ("m-Q4_K_M-00001-of-00002.gguf", "Q4_K_M", True),
        ("m-IQ4_XS.gguf", "Q4_XS", False),
        ("m.Q8_0.gguf", "q8_0", True),
    ],
)
def test_a_quant_label_matches_only_whole(filename, quant, hit):
    assert names.has_quant(filename, quant) is hit


def test_split_parts_group_into_one_set_and_projectors_are_left_out():
    sets = names.group(
        [
            "a-Q4_K_M-00002-of-00002.gguf",
            "a-Q4_K_M-00001-of-00002.gguf",
            "a-Q8_0.gguf",
            "mmproj-a-F16.gguf",
            "README.md",
        ]
    )
    assert [(s.key, s.complete) for s in sets] == [("a-Q4_K_M-00001-of-00002.gguf", True), ("a-Q8_0.gguf", True)]


def test_a_set_missing_a_part_says_which():
    (fs,) = names.group(["b-00001-of-00003.gguf", "b-00003-of-00003.gguf"])
    assert (fs.complete, fs.missing) == (False, [2])


def test_pick_with_one_gguf_needs_no_file_or_quant():
    assert choose.pick("o/r", {"only-Q4_K_M.gguf": 10, "README.md": 1}).files == ["only-Q4_K_M.gguf"]


def test_pick_names_a_non_gguf_file_as_such():
    with pytest.raises(UsageError, match="is not a GGUF file"):
        choose.pick("o/r", {"only-Q4_K_M.gguf": 10, "config.json": 1}, pattern="config.json")


def test_pick_refuses_a_split_set_the_hub_lists_incompletely():
    with pytest.raises(ConfigError, match="missing part 2 of 2"):
        choose.pick("o/r", {"c-00001-of-00002.gguf": 10})


def test_a_repo_without_ggufs_is_a_usage_error():
    with pytest.raises(UsageError, match="has no GGUF files"):
        choose.pick("o/r", {"model.safetensors": 10})
