"""`aigc history ...` through the installed command, on a real SQLite store
filled by real `aigc ask` turns against the loopback server."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.openai_server import Reply


def ask(aigc, fake, question, answer, *flags):
    fake.push(Reply(text=answer))
    r = aigc("ask", "--json", *flags, question)
    assert r.code == 0, r.err
    return json.loads(r.out)["conversation_id"]


def listed_ids(aigc, *flags):
    r = aigc("history", "list", "--json", *flags)
    assert r.code == 0, r.err
    return [c["id"] for c in json.loads(r.out)]


# ------------------------------------------------------------ list


def test_list_shows_newest_first(aigc_api, fake):
    a = ask(aigc_api, fake, "first question", "one")
    b = ask(aigc_api, fake, "second question", "two")
    assert listed_ids(aigc_api) == [b, a]


def test_list_plain_output_has_id_model_count_and_title(aigc_api, fake):
    cid = ask(aigc_api, fake, "法国的首都是哪里？", "巴黎。")
    r = aigc_api("history", "list")
    assert r.out.startswith(cid)
    assert "gpt-4o-mini" in r.out and "法国的首都是哪里？" in r.out
    assert r.out.split()[3] == "2"  # messages
    assert "\x1b" not in r.out


def test_continuing_moves_a_conversation_to_the_top(aigc_api, fake):
    a = ask(aigc_api, fake, "first", "one")
    b = ask(aigc_api, fake, "second", "two")
    ask(aigc_api, fake, "more", "three", "--cid", a)
    assert listed_ids(aigc_api) == [a, b]


def test_list_limit(aigc_api, fake):
    ids = [ask(aigc_api, fake, f"q{i}", "a") for i in range(3)]
    assert listed_ids(aigc_api, "-n", "2") == ids[::-1][:2]


def test_list_filters_by_model(aigc_api, fake):
    a = ask(aigc_api, fake, "q1", "a", "-m", "gpt-4o")
    ask(aigc_api, fake, "q2", "a")
    assert listed_ids(aigc_api, "--model", "gpt-4o") == [a]


def test_recipe_turns_are_logged_with_their_recipe_and_filterable(aigc_api, fake):
    fake.push(Reply(text="Rain on the roof."))
    r = aigc_api("write", "--json", "a haiku about rain")
    assert r.code == 0, r.err
    written = json.loads(r.out)["conversation_id"]
    ask(aigc_api, fake, "unrelated", "a")
    assert listed_ids(aigc_api, "--recipe", "write") == [written]
    assert json.loads(aigc_api("history", "list", "--json", "--recipe", "write").out)[0]["recipe"] == "write"


def test_list_with_no_store_is_empty_and_creates_nothing(aigc):
    r = aigc("history", "list")
    assert (r.code, r.out) == (0, "")
    assert not (aigc.home / "history.db").exists()


def test_list_filters_by_date(aigc_api, fake, tmp_path):
    from tests.fixtures.chatgpt_export import simple

    old = simple("old one", 1_600_000_000, "c-old", ("hi", "hello"))  # 2020-09
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([old]))
    aigc_api("history", "import", str(path))
    new = ask(aigc_api, fake, "new one", "a")
    assert listed_ids(aigc_api, "--since", "7d") == [new]
    assert len(listed_ids(aigc_api, "--until", "2021-01-01")) == 1
    assert listed_ids(aigc_api, "--since", "2020-01-01", "--until", "2021-01-01") != [new]


def test_bad_date_is_a_usage_error(aigc_api, fake):
    r = aigc_api("history", "list", "--since", "last tuesday")
    assert r.code == 2
    assert "bad age or date" in r.err


# ------------------------------------------------------------ show


def test_show_prints_the_conversation_as_markdown(aigc_api, fake):
    cid = ask(aigc_api, fake, "Capital of France?", "Paris.", "-s", "Be terse.")
    ask(aigc_api, fake, "Population?", "About two million.", "-c")
    r = aigc_api("history", "show", cid[:6])
    assert r.code == 0, r.err
    assert r.out.startswith("# Capital of France?\n")
    body = r.out[r.out.index("## System") :]
    assert body == (
        "## System\n\nBe terse.\n\n## User\n\nCapital of France?\n\n## Assistant\n\nParis.\n\n"
        "## User\n\nPopulation?\n\n## Assistant\n\nAbout two million.\n"
    )


def test_show_json_has_every_message_with_status_and_usage(aigc_api, fake):
    fake.push(Reply(text="Madrid.", usage={"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}))
    cid = json.loads(aigc_api("ask", "--json", "Capital of Spain?").out)["conversation_id"]
    data = json.loads(aigc_api("history", "show", "--json", cid).out)
    assert data["id"] == cid and data["title"] == "Capital of Spain?"
    assert data["backend"] == "openai" and data["model"] == "gpt-4o-mini"
    assert [(m["role"], m["content"], m["status"]) for m in data["messages"]] == [
        ("user", "Capital of Spain?", "complete"),
        ("assistant", "Madrid.", "complete"),
    ]
    assert (data["messages"][1]["prompt_tokens"], data["messages"][1]["completion_tokens"]) == (7, 2)


def test_show_marks_an_interrupted_answer(aigc_api, fake):
    from tests.fixtures.openai_server import Disconnect

    fake.push(Disconnect(text="one two three four", after=2))
    aigc_api("ask", "count to four")
    (cid,) = listed_ids(aigc_api)
    assert aigc_api("history", "show", cid).out.endswith("## Assistant (interrupted)\n\none two\n")


def test_show_ambiguous_prefix_is_a_usage_error(aigc_api, tmp_path):
    from tests.fixtures.chatgpt_export import simple

    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([simple(f"c{i}", 1_700_000_000 + i, f"c-{i}", ("q", "a")) for i in range(17)]))
    aigc_api("history", "import", str(path))
    ids = listed_ids(aigc_api)
    shared = next(i[0] for i in ids if sum(j.startswith(i[0]) for j in ids) > 1)  # 17 ids, 16 hex digits
    r = aigc_api("history", "show", shared)
    assert r.code == 2
    assert "ambiguous" in r.err


# ------------------------------------------------------------ search


def search(aigc, *query):
    r = aigc("history", "search", "--json", *query)
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_search_finds_chinese_by_a_two_character_word(aigc_api, fake):
    cid = ask(aigc_api, fake, "什么是AIGC？", "人工智能生成内容是指由人工智能创作的内容。")
    ask(aigc_api, fake, "What is the weather?", "Sunny.")
    hits = search(aigc_api, "生成")
    assert [h["id"] for h in hits] == [cid]
    assert "人工智能生成内容" in hits[0]["snippet"]


def test_search_finds_chinese_inside_a_longer_run(aigc_api, fake):
    cid = ask(aigc_api, fake, "介绍一下", "人工智能生成内容正在改变写作。")
    assert [h["id"] for h in search(aigc_api, "智能生成")] == [cid]


def test_search_english_is_case_insensitive_and_matches_inside_words(aigc_api, fake):
    cid = ask(aigc_api, fake, "Tell me about Python", "Python has many libraries.")
    assert [h["id"] for h in search(aigc_api, "PYTHON", "librar")] == [cid]


def test_search_needs_every_word(aigc_api, fake):
    ask(aigc_api, fake, "apples and pears", "fruit")
    both = ask(aigc_api, fake, "apples and plums", "fruit")
    assert [h["id"] for h in search(aigc_api, "apples", "plums")] == [both]


def test_search_ranks_the_better_match_first(aigc_api, fake):
    weak = ask(aigc_api, fake, "A long story about the sea, ships, harbours, storms and sailors at night", "ok")
    strong = ask(aigc_api, fake, "kraken kraken", "The kraken is a sea monster; kraken tales are old.")
    ask(aigc_api, fake, "kraken once", "ok", "--cid", weak)
    assert [h["id"] for h in search(aigc_api, "kraken")] == [strong, weak]


def test_search_returns_one_hit_per_conversation(aigc_api, fake):
    cid = ask(aigc_api, fake, "zebra facts", "zebras are striped")
    ask(aigc_api, fake, "more zebra facts", "zebras run fast", "-c")
    assert [h["id"] for h in search(aigc_api, "zebra")] == [cid]


def test_search_plain_output_marks_the_match(aigc_api, fake):
    cid = ask(aigc_api, fake, "what is a quokka", "A quokka is a small marsupial.")
    r = aigc_api("history", "search", "marsupial")
    assert r.out.splitlines()[0].startswith(cid)
    assert "assistant: A quokka is a small [marsupial]." in r.out


def test_search_snippet_of_a_long_message_is_the_window_around_the_match(aigc_api, fake):
    long_answer = "filler text " * 40 + "the axolotl regrows limbs " + "more filler " * 40
    cid = ask(aigc_api, fake, "tell me something", long_answer)
    r = aigc_api("history", "search", "axolotl")
    line = r.out.splitlines()[1]
    assert r.out.startswith(cid)
    assert "[axolotl] regrows" in line and line.count("…") == 2
    assert len(line) < 120


def test_search_with_no_match_prints_nothing_on_stdout(aigc_api, fake):
    ask(aigc_api, fake, "hello", "world")
    r = aigc_api("history", "search", "nonexistentword")
    assert (r.code, r.out) == (0, "")
    assert "no matches" in r.err


def test_search_treats_query_syntax_as_text(aigc_api, fake):
    cid = ask(aigc_api, fake, 'the "NEAR(a b)" AND OR * operator', "ok")
    assert [h["id"] for h in search(aigc_api, '"NEAR(a', "OR", "*")] == [cid]


# ------------------------------------------------------------ title, rm, prune


def test_title_renames_a_conversation(aigc_api, fake):
    cid = ask(aigc_api, fake, "q", "a")
    r = aigc_api("history", "title", cid, "关于", "首都的问题")
    assert r.code == 0, r.err
    assert json.loads(aigc_api("history", "list", "--json").out)[0]["title"] == "关于 首都的问题"


def test_rm_deletes_the_conversation_and_its_search_entries(aigc_api, fake):
    gone = ask(aigc_api, fake, "platypus question", "platypus answer")
    kept = ask(aigc_api, fake, "platypus again", "ok")
    r = aigc_api("history", "rm", gone[:6])
    assert r.code == 0, r.err
    assert listed_ids(aigc_api) == [kept]
    assert [h["id"] for h in search(aigc_api, "platypus")] == [kept]


def test_rm_with_one_unknown_id_deletes_nothing(aigc_api, fake):
    a = ask(aigc_api, fake, "q1", "a")
    r = aigc_api("history", "rm", a, "nosuchid")
    assert r.code == 2
    assert listed_ids(aigc_api) == [a]


def test_prune_deletes_only_old_conversations(aigc_api, fake, tmp_path):
    from tests.fixtures.chatgpt_export import simple

    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([simple("ancient", 1_500_000_000, "c-anc", ("hi", "hello"))]))
    aigc_api("history", "import", str(path))
    new = ask(aigc_api, fake, "recent", "a")
    r = aigc_api("history", "prune", "--older-than", "30d")
    assert r.code == 0, r.err
    assert "deleted 1 conversation" in r.err
    assert listed_ids(aigc_api) == [new]


def test_prune_dry_run_deletes_nothing(aigc_api, fake, tmp_path):
    from tests.fixtures.chatgpt_export import simple

    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([simple("ancient", 1_500_000_000, "c-anc", ("hi", "hello"))]))
    aigc_api("history", "import", str(path))
    r = aigc_api("history", "prune", "--older-than", "30d", "--dry-run")
    assert "would delete 1 conversation" in r.err
    assert len(listed_ids(aigc_api)) == 1


# ------------------------------------------------------------ export


def test_export_json_round_trips_every_field(aigc_api, fake):
    a = ask(aigc_api, fake, "Capital of France?", "Paris.")
    b = ask(aigc_api, fake, "人工智能是什么？", "一种技术。")
    data = json.loads(aigc_api("history", "export", "--all", "--format", "json").out)
    convs = data["conversations"]
    assert [c["id"] for c in convs] == [a, b]
    assert [m["content"] for m in convs[1]["messages"]] == ["人工智能是什么？", "一种技术。"]


def test_export_markdown_of_chosen_conversations_to_a_file(aigc_api, fake, tmp_path):
    a = ask(aigc_api, fake, "Capital of France?", "Paris.")
    ask(aigc_api, fake, "other", "x")
    out = tmp_path / "a.md"
    r = aigc_api("history", "export", a, "-o", str(out))
    assert r.code == 0, r.err
    text = out.read_text()
    assert text.startswith("# Capital of France?\n") and "## Assistant\n\nParis.\n" in text
    assert "other" not in text


def test_export_needs_ids_or_all(aigc_api, fake):
    ask(aigc_api, fake, "q", "a")
    assert aigc_api("history", "export").code == 2


# ------------------------------------------------------------ import (ChatGPT)


def _branched_export():
    from tests.fixtures.chatgpt_export import Tree, message

    t = 1_700_000_000.0
    tree = Tree("Trip to Kyoto", t, "conv-kyoto")
    system = tree.chain(message("system", "", t, is_visually_hidden_from_conversation=True))
    q1 = tree.chain(message("user", "Plan a day in Kyoto", t + 1), parent=system)
    tree.chain(message("assistant", "Old answer (regenerated away)", t + 2, model_slug="gpt-4"), parent=q1)
    a1 = tree.chain(message("assistant", "Morning: Fushimi Inari.", t + 3, model_slug="gpt-4o"), parent=q1)
    img = tree.chain(message("user", None, t + 4), parent=a1)  # an image only: no text
    leaf = tree.chain(
        message("user", "And the evening?", t + 5),
        message("assistant", "Gion at dusk.", t + 6, model_slug="gpt-4o"),
        parent=img,
    )
    return [tree.build(leaf, update_time=t + 6)]


def test_import_flattens_the_current_branch(aigc_api, fake, tmp_path):
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(_branched_export()))
    r = aigc_api("history", "import", str(path))
    assert r.code == 0, r.err
    assert "imported 1 conversation" in r.err
    (conv,) = json.loads(aigc_api("history", "list", "--json").out)
    assert (conv["title"], conv["model"], conv["messages"]) == ("Trip to Kyoto", "gpt-4o", 4)
    shown = json.loads(aigc_api("history", "show", "--json", conv["id"]).out)
    assert [(m["role"], m["content"]) for m in shown["messages"]] == [
        ("user", "Plan a day in Kyoto"),
        ("assistant", "Morning: Fushimi Inari."),
        ("user", "And the evening?"),
        ("assistant", "Gion at dusk."),
    ]


def test_importing_the_same_export_twice_adds_nothing(aigc_api, fake, tmp_path):
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(_branched_export()))
    aigc_api("history", "import", str(path))
    r = aigc_api("history", "import", str(path))
    assert "imported 0 conversations (1 already imported)" in r.err
    assert len(listed_ids(aigc_api)) == 1


def test_imported_conversation_can_be_continued(aigc_api, fake, tmp_path):
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(_branched_export()))
    aigc_api("history", "import", str(path))
    (cid,) = listed_ids(aigc_api)
    aigc_api("ask", "--cid", cid, "And tomorrow?")
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == [
        "Plan a day in Kyoto",
        "Morning: Fushimi Inari.",
        "And the evening?",
        "Gion at dusk.",
        "And tomorrow?",
    ]


def test_imported_text_is_searchable(aigc_api, fake, tmp_path):
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(_branched_export()))
    aigc_api("history", "import", str(path))
    assert [h["title"] for h in search(aigc_api, "Fushimi")] == ["Trip to Kyoto"]
    assert search(aigc_api, "regenerated") == []


def test_import_of_a_file_that_is_not_an_export_is_a_bad_file_error(aigc_api, fake, tmp_path):
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps({"hello": "world"}))
    r = aigc_api("history", "import", str(path))
    assert r.code == 3
    assert "neither a ChatGPT export nor an aigc export" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_import_of_a_missing_file_is_a_bad_file_error(aigc_api, tmp_path):
    r = aigc_api("history", "import", str(tmp_path / "nope.json"))
    assert r.code == 3
    assert "no such file" in r.err


# ------------------------------------------------------------ start-up cost


@pytest.mark.parametrize("args", [["list"], ["search", "hello"], ["show", "--json"]], ids=" ".join)
def test_history_commands_import_no_backend_sdk(aigc_api, fake, args):
    from tests.test_lazy_imports import HEAVY, imported_modules

    cid = ask(aigc_api, fake, "hello there", "hi")
    mods = imported_modules(aigc_api.home, "history", *args, *([cid] if args[0] == "show" else []))
    assert "aigc_cli.store" in mods
    assert sorted(m for m in mods if m.split(".")[0] in HEAVY) == []
