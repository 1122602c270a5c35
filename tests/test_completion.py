"""`aigc completion bash|zsh|fish`: valid scripts, and what Tab offers, through the real shells.

Completion runs the installed `aigc` the way each script does (bash through
the sourced function itself; zsh and fish through the same environment
protocol their scripts use), against a store and recipes made by `aigc`.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply
from tests.test_cmd import syntax_check
from tests.test_lazy_imports import imported_modules


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_is_valid_syntax(aigc, shell, tmp_path):
    r = aigc("completion", shell)
    assert r.code == 0, r.err
    assert "_AIGC_COMPLETE" in r.out
    checked = syntax_check(shell, r.out, tmp_path)
    assert checked.returncode == 0, checked.stderr


def test_completion_for_an_unknown_shell_is_a_usage_error(aigc):
    r = aigc("completion", "tcsh")
    assert r.code == 2 and "bash|zsh|fish" in r.err


def bash_complete(aigc, line: str) -> list[str]:
    """What bash offers for ``line`` (Tab at its end), via the sourced completion function."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    script = aigc("completion", "bash").out
    words = line.split(" ")
    program = (
        f"{script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        f"_aigc_completion {AIGC}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    )
    proc = subprocess.run(
        ["bash", "--norc", "-c", program], check=False, capture_output=True, text=True, env=aigc.env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return [w for w in proc.stdout.splitlines() if w]


def test_bash_completes_commands(aigc):
    assert {"chat", "cmd", "completion", "config"} <= set(bash_complete(aigc, "aigc c"))


def test_bash_completes_options(aigc):
    assert {"--explain", "--yes", "--shell-init", "--model"} <= set(bash_complete(aigc, "aigc cmd --"))


def test_bash_completes_recipe_names_after_run(aigc):
    assert aigc("recipes", "new", "tldr", "-p", "TL;DR: {{input}}").code == 0
    offered = bash_complete(aigc, "aigc run ")
    assert {"tldr", "summarize", "cmd", "write"} <= set(offered)
    assert bash_complete(aigc, "aigc run tl") == ["tldr"]


def test_bash_completes_recipe_names_after_recipes_show(aigc):
    assert bash_complete(aigc, "aigc recipes show pl") == ["plan"]


def test_bash_completes_model_names_after_m_including_ones_used_before(aigc_api, fake):
    fake.push(Reply(text="hi"))
    assert aigc_api("ask", "-m", "llama3.2-local", "hi").code == 0
    assert {"gpt-4o", "gpt-4o-mini"} <= set(bash_complete(aigc_api, "aigc ask -m gpt-4o"))
    assert bash_complete(aigc_api, "aigc ask --model llama") == ["llama3.2-local"]


def test_bash_completes_local_gguf_models_after_m_and_models_use(aigc, tmp_path):
    """An LM Studio model in its usual folder (HOME of the test's own) is offered by its short name."""
    gguf = tmp_path / "user" / ".lmstudio" / "models" / "lmstudio-community" / "Tiny-GGUF" / "Tiny-1B-Q4_K_M.gguf"
    gguf.parent.mkdir(parents=True)
    gguf.write_bytes(b"GGUF" + b"\0" * 60)
    aigc.env.update(HOME=str(tmp_path / "user"), OLLAMA_MODELS=str(tmp_path / "ollama"), HF_HOME=str(tmp_path / "hf"))
    name = next(row["name"] for row in json.loads(aigc("models", "list", "--json").out) if row["source"] == "lmstudio")
    assert name in bash_complete(aigc, "aigc ask -b local -m ")
    assert bash_complete(aigc, f"aigc models use {name[:4]}") == [name]


def test_bash_completes_conversation_ids_after_cid_and_history_show(aigc_api, fake):
    fake.push(Reply(text="one"), Reply(text="two"))
    ids = [json.loads(aigc_api("ask", "--json", q).out)["conversation_id"] for q in ("first", "second")]
    assert set(bash_complete(aigc_api, "aigc ask --cid ")) == set(ids)
    assert bash_complete(aigc_api, f"aigc history show {ids[0][:4]}") == [ids[0]]


def test_completing_ids_without_a_store_offers_nothing_and_creates_no_store(aigc):
    assert bash_complete(aigc, "aigc history show ") == []
    assert not (aigc.home / "history.db").exists()


def test_bash_completes_knowledge_bases_after_kb(aigc):
    pytest.importorskip("aigc_cli.kb.index")
    if "--kb" not in aigc("ask", "--help").out:
        pytest.skip("no --kb option on ask yet")
    folder = aigc.home / "kb"  # the data dir is AIGC_HOME; a base is kb/NAME.db there
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "papers.db").write_bytes(b"")
    assert "papers" in bash_complete(aigc, "aigc ask --kb ")


def test_zsh_protocol_completes_recipe_names_with_descriptions(aigc):
    out = subprocess.run(
        [AIGC],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**aigc.env, "_AIGC_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "aigc run pl"},
    ).stdout
    assert '"plan"' in out


def test_fish_completes_recipe_names_once_the_script_is_sourced(aigc):
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed (apt-get install fish)")
    aigc_dir = AIGC.rsplit("/", 1)[0]
    program = f'set -x PATH {aigc_dir} $PATH; aigc completion fish | source; complete -C "aigc run pl"'
    proc = subprocess.run(
        ["fish", "--no-config", "-c", program], check=False, capture_output=True, text=True, env=aigc.env, timeout=60
    )
    assert proc.stdout.split() == ["plan"], proc.stderr


def test_fish_protocol_completes_backends(aigc):
    env = {
        **aigc.env,
        "_AIGC_COMPLETE": "complete_fish",
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        "_TYPER_COMPLETE_ARGS": "aigc ask -b ",
    }
    out = subprocess.run([AIGC], check=False, capture_output=True, text=True, timeout=60, env=env).stdout
    assert {"local", "openai"} <= set(out.split())


@pytest.mark.parametrize("args", [["cmd", "--help"], ["cmd", "--shell-init", "bash"], ["completion", "bash"]])
def test_cmd_and_completion_do_not_import_heavy_modules(home, args):
    mods = imported_modules(home, *args)
    assert "aigc_cli" in mods
    assert sorted(m for m in mods if m.split(".")[0] in ("openai", "llama_cpp", "prompt_toolkit", "bashlex")) == []
