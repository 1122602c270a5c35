"""The repetition guard (aigc_cli/backends/repetition.py) in isolation: what it
lets through, where it cuts, and that the cut text is never shown."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aigc_cli.backends.repetition import (
    FINISH,
    RepetitionGuard,
    guard_events,
    loop_start,
    normalize_line,
    stop_after_start,
)


def shown(text: str, step: int = 1) -> tuple[str, bool]:
    """Feed ``text`` in pieces of ``step`` characters: (what was shown, stopped)."""
    guard = RepetitionGuard()
    out = "".join(guard.feed(text[i : i + step]) for i in range(0, len(text), step))
    if not guard.stopped:
        out += guard.finish()
    return out, guard.stopped


def test_a_repeated_numbered_line_ends_the_answer_before_it():
    text = "1. Install Rust\n2. Write a program to sum the digits\n3. Read the book\n4. Write a program to sum the digits\n5. More"
    out, stopped = shown(text)
    assert stopped
    assert out == "1. Install Rust\n2. Write a program to sum the digits\n3. Read the book\n"


def test_a_repeated_chinese_paragraph_is_shown_once():
    para = "会议改到周五。预算是五千元。安娜负责发送幻灯片。\n\n"
    out, stopped = shown(para * 4)
    assert stopped
    assert out == para


def test_short_numbered_chinese_lines_that_repeat_are_cut():
    out, stopped = shown("".join(f"  {i}. 然后输入：\n\n" for i in range(1, 10)))
    assert stopped
    assert out.count("然后输入") == 1


def test_a_run_of_one_character_is_cut_short():
    out, stopped = shown("Summary: fine. " + "-" * 300)
    assert stopped
    assert len(out) < len("Summary: fine. ") + 40


def test_short_lines_may_repeat():
    text = "Dear team,\n\nThanks,\nAna\n\nThanks,\nBob\n"
    assert shown(text) == (text, False)


def test_ordinary_prose_passes_whole():
    text = "Rust is a systems language.\nIt is fast and memory safe.\nCargo builds and tests it.\n"
    assert shown(text, step=3) == (text, False)


def test_lines_differing_only_in_numbering_count_as_repeats():
    assert normalize_line("  3. Step 2: Write TESTS ") == normalize_line("- write tests")


def test_loop_start_keeps_one_copy_of_the_unit():
    text = "ok " + "abcd" * 10  # as streamed: the rule fires the moment the span is long enough
    assert text[: loop_start(text)] == "ok abcd"


def test_no_loop_in_text_without_one():
    assert loop_start("the quick brown fox jumps over the lazy dog") is None


def test_guarded_events_end_with_the_repetition_finish_reason_and_close_the_source():
    closed = []

    def events():
        try:
            for _ in range(100):
                yield {"choices": [{"text": "the same line again\n", "finish_reason": None}]}
        finally:
            closed.append(True)

    out = list(guard_events(events()))
    assert "".join(e["choices"][0]["text"] for e in out) == "the same line again\n"
    assert out[-1]["choices"][0]["finish_reason"] == FINISH
    assert closed == [True]


def test_guarded_events_keep_the_source_finish_reason():
    source = [
        {"choices": [{"text": "short", "finish_reason": None}]},
        {"choices": [{"text": "", "finish_reason": "length"}]},
    ]
    out = list(guard_events(iter(source)))
    assert "".join(e["choices"][0]["text"] for e in out) == "short"
    assert out[-1]["choices"][0]["finish_reason"] == "length"


@given(st.text(max_size=300), st.integers(min_value=1, max_value=7))
def test_what_is_shown_is_always_a_prefix_of_the_answer(text, step):
    out, _ = shown(text, step)
    assert text.startswith(out)


def events_of(*pieces: str) -> list[dict]:
    return [{"choices": [{"text": p, "finish_reason": None}]} for p in pieces]


def text_of(events) -> str:
    return "".join(e["choices"][0]["text"] for e in events)


def test_a_stop_before_any_text_does_not_end_the_continuation():
    out = list(stop_after_start(iter(events_of("\n", "\n* Ana sends", " the deck.\n", "\nNext")), ["\n\n"]))
    assert text_of(out).strip() == "* Ana sends the deck."
    assert out[-1]["choices"][0]["finish_reason"] == "stop"


def test_a_stop_split_across_pieces_is_found_and_not_shown():
    out = list(stop_after_start(iter(events_of("Paris.", "\nQ", ": next")), ["\nQ:"]))
    assert text_of(out) == "Paris."


def test_a_short_item_repeated_three_times_ends_the_list():
    out, stopped = shown("1. 华夏\n2. 东北\n3. 东北部\n4. 东北\n5. 东北\n6. 东北\n")
    assert stopped
    assert out == "1. 华夏\n2. 东北\n3. 东北部\n4. 东北\n"


def test_a_long_clause_repeated_within_a_line_ends_the_answer_before_it():
    text = "感谢各位，\n\n感谢大家在产品发布前夕的感谢信，感谢大家在产品发布后夕的感谢信，感谢大家在产品发布前夕的感谢信，感谢大家"
    out, stopped = shown(text)
    assert stopped
    assert out == "感谢各位，\n\n感谢大家在产品发布前夕的感谢信，感谢大家在产品发布后夕的感谢信，"


def test_an_alternating_run_of_short_clauses_is_cut_at_its_second_copy():
    text = "感谢您的支持，感谢您的建议，感谢您的反馈，感谢您的建议，感谢您的反馈，感谢您的建议，感谢您的反馈"
    out, stopped = shown(text, step=2)
    assert stopped
    assert out == "感谢您的支持，感谢您的建议，感谢您的反馈，"


def test_a_short_clause_on_its_third_appearance_ends_the_answer():
    text = "感谢您的支持，今天很好，感谢您的支持，明天也好，感谢您的支持，后天再见"
    out, stopped = shown(text, step=2)
    assert stopped
    assert out == "感谢您的支持，今天很好，感谢您的支持，明天也好，"


def test_a_repeated_paragraph_of_short_clauses_is_shown_once():
    # what the bundled model wrote for a Chinese thank-you brief (bench/base_quality.py)
    para = "感谢各位的关注，感谢大家在产品发布前，我们做了很多努力，也希望大家能够继续支持我们的产品。"
    out, stopped = shown(para + "  " + para + "  " + para, step=3)
    assert stopped
    assert out.strip() == para


def test_a_cut_never_splits_the_sentence_that_ended_the_first_copy():
    text = "* 季度预算是四万元，在六月一日前批准。\n* 预算的预算是四万元，在六月一日前批准。\n* 预算的预算是四万元，在六月一日前批准。\n"
    out, stopped = shown(text, step=2)
    assert stopped
    assert out == "* 季度预算是四万元，在六月一日前批准。\n* 预算的预算是四万元，在六月一日前批准。\n"


def test_repeated_lines_inside_a_code_block_pass():
    text = (
        "Two helpers:\n\n```python\ndef first(xs):\n    result = sorted(xs)\n    return result\n\n"
        "def last(xs):\n    result = sorted(xs, reverse=True)\n    return result\n```\n\nBoth return result.\n"
    )
    assert shown(text, step=3) == (text, False)


def test_english_sentences_repeated_within_a_paragraph_are_cut():
    text = "We shipped it. Thank you all for the hard work. Thank you all for the hard work. Thank you"
    out, stopped = shown(text, step=4)
    assert stopped
    assert out == "We shipped it. Thank you all for the hard work. "


def test_clauses_that_repeat_twice_in_prose_pass():
    text = "Thank you, Ana. The launch went well, thank you, and the team is proud.\n"
    assert shown(text) == (text, False)
