"""The pure rules of memory: the edit file's round trip, the budget's choice, reading proposals."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from aigc_cli.memory import edit
from aigc_cli.memory.block import select
from aigc_cli.memory.store import Memory, clean
from aigc_cli.memory.suggest import parse

texts = st.text(min_size=1, max_size=40).map(clean).filter(bool)
# a line a person adds: not one that looks like a stored memory's "[ID]" line
new_lines = texts.filter(lambda t: not re.match(r"\[\d+\*?\]", t))


def memories(items: list[tuple[str, bool]]) -> list[Memory]:
    return [Memory(i + 1, t, 1700000000.0 + i, "cli", p) for i, (t, p) in enumerate(items)]


@given(st.lists(st.tuples(texts, st.booleans()), max_size=8, unique_by=lambda x: x[0]))
def test_an_unedited_file_changes_nothing(items):
    before = memories(items)
    assert not edit.changes(before, edit.to_text(before))


@given(st.lists(st.tuples(texts, st.booleans()), min_size=1, max_size=8, unique_by=lambda x: x[0]), new_lines)
def test_a_line_added_to_the_file_is_exactly_one_new_memory(items, new):
    before = memories(items)
    change = edit.changes(before, edit.to_text(before) + new + "\n")
    if new.startswith("#"):
        assert not change  # a comment line
    else:
        assert (change.edits, change.removed) == ({}, [])
        assert len(change.added) == 1


def test_an_unknown_id_in_the_file_is_a_new_memory_not_an_edit():
    before = memories([("Works in Go", False)])
    change = edit.changes(before, "[1] Works in Go\n[7] Likes tea\n")
    assert (change.edits, change.removed, change.added) == ({}, [], [("Likes tea", False)])


def test_an_emptied_line_forgets_the_memory():
    before = memories([("Works in Go", False), ("Likes tea", False)])
    assert edit.changes(before, "[1]\n[2] Likes tea\n").removed == [1]


@given(st.lists(st.booleans(), min_size=1, max_size=12), st.integers(min_value=0, max_value=60))
def test_the_budget_keeps_every_pinned_one_and_drops_only_the_oldest_unpinned(pins, budget):
    items = memories([(f"memory {i}", p) for i, p in enumerate(pins)])
    kept, left_out = select(items, budget, count=lambda text: len(text.split()))
    assert {m.id for m in items if m.pinned} <= {m.id for m in kept}
    unpinned = [m.id for m in items if not m.pinned]
    kept_unpinned = sorted(m.id for m in kept if not m.pinned)
    assert kept_unpinned == unpinned[len(unpinned) - len(kept_unpinned) :]
    assert left_out == len(unpinned) - len(kept_unpinned)


def test_proposals_are_read_from_json_or_from_a_list():
    assert parse('{"memories": ["Works in Go.", "  Lives   in Berlin. "]}') == ["Works in Go.", "Lives in Berlin."]
    assert parse("Sure:\n- Works in Go.\n2. Lives in Berlin.\nThat is all.") == ["Works in Go.", "Lives in Berlin."]
    assert parse("nothing worth keeping") == []
