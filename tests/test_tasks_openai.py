"""write, run and summarize (input that fits) against the loopback OpenAI server:
the exact messages each built-in recipe sends."""

from __future__ import annotations

import json

from tests.fixtures.openai_server import Reply

WRITE_SYSTEM = (
    "You are a skilled writer and editor. Produce finished text that can be used as it is: "
    "no preamble, no notes about what you did, no quotes around it.\n"
)
SAME_LANG = (
    "Write in the same language as the brief or the text you are given (Chinese stays Chinese, English stays English)."
)


def messages(fake):
    return fake.chat_requests[-1]["json"]["messages"]


def test_write_sends_the_brief_with_default_tone_length_and_format(aigc_api, fake):
    fake.push(Reply(text="Dear team, thank you."))
    r = aigc_api("write", "a thank-you note to my team")
    assert r.code == 0, r.err
    assert r.out == "Dear team, thank you.\n"
    assert messages(fake) == [
        {"role": "system", "content": WRITE_SYSTEM + SAME_LANG},
        {
            "role": "user",
            "content": "Write a draft from the brief below. Text inside <input> tags, if any, is material to use.\n"
            "Tone: neutral. Length: medium. Format: paragraph.\n\na thank-you note to my team",
        },
    ]


def test_write_options_fill_the_template_and_lang_code_becomes_a_name(aigc_api, fake):
    aigc_api("write", "--tone", "formal", "--length", "short", "--format", "email", "--lang", "zh", "请假")
    sent = messages(fake)
    assert sent[0]["content"] == WRITE_SYSTEM + "Write in this language: Chinese (中文)."
    assert sent[1]["content"].endswith("Tone: formal. Length: short. Format: email.\n\n请假")


def test_write_rewrite_delimits_the_piped_text_and_appends_the_instruction(aigc_api, fake):
    aigc_api("write", "--rewrite", "make it friendlier", input="We regret to inform you.\n")
    assert messages(fake)[1]["content"] == (
        "Rewrite the text inside <input> tags. Keep its meaning and facts; follow any instruction given after it.\n"
        "Tone: neutral. Length: medium. Format: paragraph.\n\n"
        "<input>\nWe regret to inform you.\n</input>\n\nmake it friendlier"
    )


def test_write_rewrite_without_stdin_is_a_usage_error(aigc_api, fake):
    r = aigc_api("write", "--rewrite")
    assert r.code == 2
    assert "--rewrite needs the text" in r.err
    assert fake.chat_requests == []


def test_write_choice_outside_the_list_is_a_usage_error_listing_choices(aigc_api, fake):
    r = aigc_api("write", "--format", "sonnet", "a poem")
    assert r.code == 2
    assert "format must be one of paragraph, bullets, email, outline, essay, post" in r.err
    assert fake.chat_requests == []


def test_write_flags_override_the_recipe_temperature(aigc_api, fake):
    aigc_api("write", "x")
    assert fake.chat_requests[-1]["json"]["temperature"] == 0.7
    aigc_api("write", "-t", "0.1", "-m", "gpt-4o", "x")
    sent = fake.chat_requests[-1]["json"]
    assert (sent["temperature"], sent["model"]) == (0.1, "gpt-4o")


def test_system_flag_replaces_the_recipe_system_prompt(aigc_api, fake):
    aigc_api("write", "-s", "Only haiku.", "spring")
    assert messages(fake)[0] == {"role": "system", "content": "Only haiku."}


def test_summarize_file_that_fits_is_one_request_with_the_recipe(aigc_api, fake, tmp_path):
    doc = tmp_path / "notes.txt"
    doc.write_text("The meeting moved to Friday. Budget is 5k.\n", encoding="utf-8")
    fake.push(Reply(text="Meeting Friday; budget 5k."))
    r = aigc_api("summarize", "--bullets", "2", "--length", "short", str(doc))
    assert r.code == 0, r.err
    assert r.out == "Meeting Friday; budget 5k.\n"
    assert len(fake.chat_requests) == 1
    sent = messages(fake)
    assert sent[0]["content"].endswith(
        "Write the summary in the same language as the text (a Chinese text gets a Chinese summary)."
    )
    assert sent[1]["content"] == (
        "Summarize the text inside <input> tags.\nLength: short. Use exactly 2 bullet points.\n\n"
        "<input>\nThe meeting moved to Friday. Budget is 5k.\n</input>"
    )


def test_summarize_stdin_chinese_with_lang_en(aigc_api, fake):
    aigc_api("summarize", "--lang", "en", input="会议改到周五。预算五千。")
    sent = messages(fake)
    assert sent[0]["content"].endswith("Write the summary in this language: English.")
    assert "<input>\n会议改到周五。预算五千。\n</input>" in sent[1]["content"]


def test_summarize_several_files_get_name_headers(aigc_api, fake, tmp_path):
    (tmp_path / "a.txt").write_text("alpha\n")
    (tmp_path / "b.txt").write_text("beta\n")
    aigc_api("summarize", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert (
        f"<input>\n==> {tmp_path / 'a.txt'} <==\nalpha\n\n\n==> {tmp_path / 'b.txt'} <==\nbeta\n</input>"
        in messages(fake)[1]["content"]
    )


def test_summarize_missing_file_is_a_usage_error(aigc_api, fake, tmp_path):
    r = aigc_api("summarize", str(tmp_path / "nope.txt"))
    assert r.code == 2
    assert "no such file" in r.err


def test_summarize_binary_file_is_a_usage_error(aigc_api, fake, tmp_path):
    (tmp_path / "x.bin").write_bytes(b"\x7fELF\x00\x01")
    r = aigc_api("summarize", str(tmp_path / "x.bin"))
    assert r.code == 2
    assert "binary" in r.err


def test_summarize_json_output(aigc_api, fake):
    fake.push(Reply(text="Short."))
    r = aigc_api("summarize", "--json", input="some text")
    assert json.loads(r.out)["answer"] == "Short."


def test_run_sends_a_recipe_with_set_values(aigc_api, fake):
    aigc_api("run", "translate", "--set", "to=ja", "good morning")
    assert messages(fake)[1]["content"] == (
        "Translate into this language: Japanese (日本語).\n\n<input>\ngood morning\n</input>"
    )


def test_run_unknown_key_is_a_usage_error_listing_parameters(aigc_api, fake):
    r = aigc_api("run", "summarize", "--set", "colour=red", "text")
    assert r.code == 2
    assert "has no parameter 'colour'" in r.err
    assert "length: short|medium|long" in r.err and "bullets: int" in r.err
    assert fake.chat_requests == []


def test_run_ill_typed_value_is_a_usage_error(aigc_api, fake):
    r = aigc_api("run", "summarize", "--set", "bullets=many", "text")
    assert r.code == 2
    assert "bullets must be a whole number, not 'many'" in r.err


def test_run_unknown_recipe_is_a_usage_error(aigc_api, fake):
    r = aigc_api("run", "nosuch", "x")
    assert r.code == 2
    assert "no recipe named 'nosuch'" in r.err


def test_template_syntax_in_input_and_values_reaches_the_model_verbatim(aigc_api, fake):
    text = "costs $x and ${y} or {{z}} {w} %s {{input}} {{#lang}}a{{/lang}}"
    aigc_api("run", "translate", "--set", "to={{input}} $to %s", text)
    assert messages(fake)[1]["content"] == (
        f"Translate into this language: {{{{input}}}} $to %s.\n\n<input>\n{text}\n</input>"
    )


def test_template_syntax_in_a_brief_reaches_the_model_verbatim(aigc_api, fake):
    aigc_api("write", "--tone", "{{format}}", "price: ${price} {{input}} %d")
    assert messages(fake)[1]["content"].endswith(
        "Tone: {{format}}. Length: medium. Format: paragraph.\n\nprice: ${price} {{input}} %d"
    )


def test_summarize_empty_stdin_is_a_usage_error(aigc_api, fake):
    r = aigc_api("summarize", input="  \n")
    assert r.code == 2
    assert "nothing to summarize" in r.err
    assert fake.chat_requests == []


def test_summarize_dash_reads_stdin_next_to_a_file(aigc_api, fake, tmp_path):
    (tmp_path / "a.txt").write_text("alpha\n")
    aigc_api("summarize", str(tmp_path / "a.txt"), "-", input="beta\n")
    assert f"==> {tmp_path / 'a.txt'} <==\nalpha\n\n\n==> stdin <==\nbeta" in messages(fake)[1]["content"]


def test_tasks_are_logged_and_continue_with_c(aigc_api, fake):
    fake.push(Reply(text="First draft."), Reply(text="Shorter."))
    aigc_api("write", "a note")
    first_user = messages(fake)[1]
    aigc_api("write", "-c", "make it shorter")
    sent = messages(fake)
    assert sent[1:3] == [first_user, {"role": "assistant", "content": "First draft."}]
    assert sent[-1]["content"].endswith("make it shorter")
    conversations = json.loads(aigc_api("history", "list", "--json").out)
    assert [(c["recipe"], c["messages"]) for c in conversations] == [("write", 4)]


def test_no_log_keeps_a_task_out_of_the_history(aigc_api, fake):
    aigc_api("summarize", "--no-log", input="text")
    assert json.loads(aigc_api("history", "list", "--json").out) == []


def test_run_set_without_equals_is_a_usage_error(aigc_api, fake):
    r = aigc_api("run", "translate", "--set", "to", "hello")
    assert r.code == 2
    assert "--set needs key=value, got 'to'" in r.err
    assert fake.chat_requests == []


def test_run_bool_parameter_accepts_yes_and_no(aigc_api, fake):
    aigc_api("run", "write", "--set", "rewrite=yes", input="old text")
    assert messages(fake)[1]["content"].startswith("Rewrite the text inside <input> tags.")
    r = aigc_api("run", "write", "--set", "rewrite=maybe", input="old text")
    assert r.code == 2
    assert "rewrite must be true or false, not 'maybe'" in r.err
