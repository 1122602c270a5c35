"""Each test carries one tier marker (tests/tiers.py), so `pytest -m fast` runs one tier."""

from __future__ import annotations


def test_an_in_process_test_is_in_the_fast_tier(request):
    assert request.node.get_closest_marker("fast") is not None


def test_a_test_driving_the_command_is_in_the_cli_tier(request, aigc):
    assert request.node.get_closest_marker("cli") is not None
    assert request.node.get_closest_marker("fast") is None
