"""`aigc models pull` against a loopback Hub, through the real huggingface_hub client.

The fake Hub (tests/fixtures/hub_server.py) records every request, so the
resume tests check the Range header the client actually sent.
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import AIGC, Aigc
from tests.fixtures.hub_server import FakeHub, HubFile

MB = 1 << 20


def fake_gguf(size: int, seed: int = 0) -> bytes:
    """Bytes that start like a GGUF file (for choosing and downloading, never loading)."""
    return b"GGUF" + random.Random(seed).randbytes(size - 4)


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    server = FakeHub()
    yield server
    server.stop()


@pytest.fixture
def pull(hub: FakeHub, aigc: Aigc, tmp_path: Path) -> Aigc:
    """`aigc` whose Hub is the fake one, with its own HF cache, Ollama and home folders."""
    hub.requests.clear()
    hub.released.clear()
    for var in ("HF_TOKEN", "HF_HUB_OFFLINE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_DISABLE_XET"):
        aigc.env.pop(var, None)
    aigc.env.update(
        HF_ENDPOINT=hub.url,
        HF_HOME=str(tmp_path / "hf"),
        OLLAMA_MODELS=str(tmp_path / "ollama"),
        HOME=str(tmp_path / "user"),
    )
    return aigc


def repo_dir(aigc: Aigc, repo_id: str) -> Path:
    return aigc.home / "models" / "hub" / repo_id


def partials(aigc: Aigc, repo_id: str) -> list[Path]:
    return list((repo_dir(aigc, repo_id) / ".cache" / "huggingface" / "download").glob("*.incomplete"))


def local_rows(aigc: Aigc) -> dict[str, dict]:
    r = aigc("models", "list", "--json")
    assert r.code == 0, r.err
    return {row["name"]: row for row in json.loads(r.out) if row["backend"] == "local"}


def quants_repo(hub: FakeHub, repo_id: str) -> None:
    hub.add_repo(
        repo_id,
        {
            "tiny-Q4_K_M.gguf": HubFile(data=fake_gguf(2 * MB, 1)),
            "tiny-Q8_0.gguf": HubFile(data=fake_gguf(3 * MB, 2)),
            "README.md": HubFile(data=b"# tiny\n", lfs=False),
        },
    )


# ------------------------------------------------------------- choosing


def test_quant_picks_one_file_case_insensitively_and_prints_its_name(pull, hub):
    quants_repo(hub, "org/Quant-GGUF")
    r = pull("models", "pull", "org/Quant-GGUF", "--quant", "q8_0")
    assert r.code == 0, r.err
    assert r.out.strip() == "tiny-q8_0"
    row = local_rows(pull)["tiny-q8_0"]
    assert (row["source"], row["usable"]) == ("pulled", True)
    assert Path(row["path"]).read_bytes() == hub.file("org/Quant-GGUF", "tiny-Q8_0.gguf").data


def test_a_glob_picks_the_matching_file(pull, hub):
    quants_repo(hub, "org/Glob-GGUF")
    r = pull("models", "pull", "org/Glob-GGUF", "*Q4_K_M*")
    assert r.code == 0, r.err
    assert r.out.strip() == "tiny-q4_k_m"
    assert not (repo_dir(pull, "org/Glob-GGUF") / "tiny-Q8_0.gguf").exists()


def test_several_matching_ggufs_exit_2_listing_the_choices(pull, hub):
    quants_repo(hub, "org/Ambiguous-GGUF")
    r = pull("models", "pull", "org/Ambiguous-GGUF")
    assert r.code == 2
    assert "tiny-Q4_K_M.gguf (Q4_K_M" in r.err and "tiny-Q8_0.gguf (Q8_0" in r.err
    assert "README.md" not in r.err
    assert "Traceback" not in r.err
    assert hub.cdn_gets() == []


def test_a_quant_no_file_has_exits_2_listing_the_choices(pull, hub):
    quants_repo(hub, "org/NoSuchQuant-GGUF")
    r = pull("models", "pull", "org/NoSuchQuant-GGUF", "--quant", "Q5_K_S")
    assert r.code == 2
    assert "Q5_K_S" in r.err and "tiny-Q4_K_M.gguf" in r.err


def test_a_split_gguf_downloads_as_a_set_and_registers_part_one(pull, hub):
    parts = {f"big-Q4_K_M-0000{i}-of-00003.gguf": HubFile(data=fake_gguf(MB, 10 + i)) for i in (1, 2, 3)}
    hub.add_repo("org/Split-GGUF", {**parts, "big-Q8_0.gguf": HubFile(data=fake_gguf(MB, 9))})
    r = pull("models", "pull", "org/Split-GGUF", "--quant", "Q4_K_M")
    assert r.code == 0, r.err
    assert r.out.strip() == "big-q4_k_m"
    for name, f in parts.items():
        assert (repo_dir(pull, "org/Split-GGUF") / name).read_bytes() == f.data
    row = local_rows(pull)["big-q4_k_m"]
    assert row["path"].endswith("big-Q4_K_M-00001-of-00003.gguf")
    assert row["size"] == 3 * MB


def test_a_glob_naming_one_part_pulls_the_whole_set(pull, hub):
    parts = {f"set-F16-0000{i}-of-00002.gguf": HubFile(data=fake_gguf(MB, 20 + i)) for i in (1, 2)}
    hub.add_repo("org/SplitGlob-GGUF", parts)
    r = pull("models", "pull", "org/SplitGlob-GGUF", "*00002-of-00002.gguf")
    assert r.code == 0, r.err
    assert all((repo_dir(pull, "org/SplitGlob-GGUF") / n).exists() for n in parts)


# -------------------------------------------------------------- resuming


def test_a_cut_connection_is_resumed_with_a_range_request(pull, hub):
    data = fake_gguf(30 * MB, 3)
    hub.add_repo("org/Cut-GGUF", {"cut-Q4_K_M.gguf": HubFile(data=data, cut_after=23 * MB)})
    r = pull("models", "pull", "org/Cut-GGUF")
    assert r.code == 0, r.err
    gets = hub.cdn_gets()
    assert "range" not in gets[0].headers
    start = int(gets[1].headers["range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= 23 * MB
    assert (repo_dir(pull, "org/Cut-GGUF") / "cut-Q4_K_M.gguf").read_bytes() == data


def kill_mid_download(pull: Aigc, hub: FakeHub, repo_id: str, sig: int = signal.SIGKILL) -> int:
    """Start a pull, signal it while the server holds the rest back; the partial's size."""
    proc = subprocess.Popen(
        [AIGC, "models", "pull", repo_id], env=pull.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        size, steady = -1, 0
        while time.monotonic() < deadline and steady < 5:  # the partial stops growing at the stall
            found = partials(pull, repo_id)
            now = found[0].stat().st_size if found else -1
            steady = steady + 1 if now == size and now > 0 else 0
            size = now
            time.sleep(0.1)
        assert size > 0, "the first pull never wrote a partial file"
    finally:
        proc.send_signal(sig)
        err = proc.communicate(timeout=30)[1].decode()
        hub.release()
    if sig == signal.SIGINT:
        assert (proc.returncode, err.strip().splitlines()[-1]) == (130, "aigc: interrupted"), err
    (partial,) = partials(pull, repo_id)
    return partial.stat().st_size


def test_a_killed_pull_continues_from_what_arrived(pull, hub):
    data = fake_gguf(40 * MB, 4)
    f = HubFile(data=data, stall_after=25 * MB)
    hub.add_repo("org/Killed-GGUF", {"killed-Q4_K_M.gguf": f})
    arrived = kill_mid_download(pull, hub, "org/Killed-GGUF")
    f.stall_after = None
    hub.requests.clear()
    r = pull("models", "pull", "org/Killed-GGUF")
    assert r.code == 0, r.err
    (get,) = hub.cdn_gets()
    assert get.headers["range"] == f"bytes={arrived}-"
    assert hub.sent["killed-Q4_K_M.gguf"] == len(data) - arrived
    assert (repo_dir(pull, "org/Killed-GGUF") / "killed-Q4_K_M.gguf").read_bytes() == data


def test_ctrl_c_exits_130_and_the_next_pull_continues(pull, hub):
    data = fake_gguf(40 * MB, 8)
    f = HubFile(data=data, stall_after=25 * MB)
    hub.add_repo("org/Interrupted-GGUF", {"int-Q4_K_M.gguf": f})
    arrived = kill_mid_download(pull, hub, "org/Interrupted-GGUF", signal.SIGINT)
    f.stall_after = None
    hub.requests.clear()
    assert pull("models", "pull", "org/Interrupted-GGUF").code == 0
    (get,) = hub.cdn_gets()
    assert get.headers["range"] == f"bytes={arrived}-"


def test_a_killed_pull_leaves_no_usable_model(pull, hub):
    f = HubFile(data=fake_gguf(40 * MB, 5), stall_after=25 * MB)
    hub.add_repo("org/Partial-GGUF", {"partial-Q4_K_M.gguf": f})
    kill_mid_download(pull, hub, "org/Partial-GGUF")
    assert "partial-q4_k_m" not in local_rows(pull)
    r = pull("ask", "-b", "local", "-m", "partial-q4_k_m", "hi")
    assert r.code == 3
    assert "unknown local model 'partial-q4_k_m'" in r.err


# ---------------------------------------------------------- verification


def test_a_corrupted_download_is_rejected_and_removed(pull, hub):
    f = HubFile(data=fake_gguf(4 * MB, 6), corrupt=True)
    hub.add_repo("org/Corrupt-GGUF", {"bad-Q4_K_M.gguf": f})
    r = pull("models", "pull", "org/Corrupt-GGUF")
    assert r.code == 3
    assert "failed verification (sha256" in r.err and "deleted" in r.err
    folder = repo_dir(pull, "org/Corrupt-GGUF")
    assert not (folder / "bad-Q4_K_M.gguf").exists()
    assert not list(folder.rglob("*.metadata")) and not partials(pull, "org/Corrupt-GGUF")
    assert "bad-q4_k_m" not in local_rows(pull)


def test_a_pull_after_a_corrupt_one_downloads_the_file_again(pull, hub):
    f = HubFile(data=fake_gguf(4 * MB, 7), corrupt=True)
    hub.add_repo("org/Again-GGUF", {"again-Q4_K_M.gguf": f})
    assert pull("models", "pull", "org/Again-GGUF").code == 3
    f.corrupt = False
    hub.requests.clear()
    r = pull("models", "pull", "org/Again-GGUF")
    assert r.code == 0, r.err
    (get,) = hub.cdn_gets()
    assert "range" not in get.headers
    path = Path(local_rows(pull)["again-q4_k_m"]["path"])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == f.sha256


def test_a_second_pull_of_a_verified_model_downloads_nothing(pull, hub):
    quants_repo(hub, "org/Twice-GGUF")
    assert pull("models", "pull", "org/Twice-GGUF", "-q", "Q8_0").code == 0
    hub.requests.clear()
    r = pull("models", "pull", "org/Twice-GGUF", "-q", "Q8_0")
    assert (r.code, r.out.strip()) == (0, "tiny-q8_0")
    assert "already pulled" in r.err
    assert hub.cdn_gets() == []


# --------------------------------------------------------- Hub errors


def test_a_private_repo_without_a_token_is_exit_3(pull, hub):
    hub.add_repo("org/Private-GGUF", {"p-Q4_K_M.gguf": HubFile(data=fake_gguf(MB, 8))}, private=True)
    r = pull("models", "pull", "org/Private-GGUF")
    assert r.code == 3
    assert "(401)" in r.err and "HF_TOKEN" in r.err
    assert "Traceback" not in r.err


def test_a_wrong_token_is_exit_3_naming_the_token(pull, hub):
    hub.add_repo("org/Private2-GGUF", {"p-Q4_K_M.gguf": HubFile(data=fake_gguf(MB, 8))}, private=True)
    r = pull("models", "pull", "org/Private2-GGUF", HF_TOKEN="hf_wrong")
    assert r.code == 3
    assert "rejected the token (HF_TOKEN" in r.err


def test_hf_token_opens_a_private_repo(pull, hub):
    hub.add_repo("org/Private3-GGUF", {"p-Q4_K_M.gguf": HubFile(data=fake_gguf(MB, 8))}, private=True)
    r = pull("models", "pull", "org/Private3-GGUF", HF_TOKEN=hub.token)
    assert r.code == 0, r.err
    assert all(
        req.headers.get("authorization") == f"Bearer {hub.token}"
        for req in hub.requests
        if not req.path.startswith("/cdn/")
    )


def test_a_repo_the_hub_does_not_have_is_exit_2(pull, hub):
    r = pull("models", "pull", "org/Missing-GGUF", HF_TOKEN=hub.token)
    assert r.code == 2
    assert "not found on the Hub (404): org/Missing-GGUF" in r.err


def test_an_unreachable_hub_is_exit_4(pull, hub):
    from tests.fixtures.llama_server import free_port

    r = pull("models", "pull", "org/Any-GGUF", HF_ENDPOINT=f"http://127.0.0.1:{free_port()}")
    assert r.code == 4
    assert "cannot reach the Hugging Face Hub" in r.err


def test_offline_mode_reuses_a_pulled_model_without_the_network(pull, hub):
    quants_repo(hub, "org/Offline-GGUF")
    assert pull("models", "pull", "org/Offline-GGUF", "-q", "Q4_K_M").code == 0
    hub.requests.clear()
    r = pull("models", "pull", "org/Offline-GGUF", "-q", "Q4_K_M", HF_HUB_OFFLINE="1")
    assert (r.code, r.out.strip()) == (0, "tiny-q4_k_m")
    assert hub.requests == []


def test_offline_mode_with_nothing_pulled_is_exit_3_without_requests(pull, hub):
    r = pull("models", "pull", "org/Never-GGUF", HF_HUB_OFFLINE="1")
    assert r.code == 3
    assert "HF_HUB_OFFLINE" in r.err
    assert hub.requests == []


# ---------------------------------------------------------------- rm, use


def test_rm_deletes_the_pulled_files_and_the_name(pull, hub):
    quants_repo(hub, "org/Rm-GGUF")
    assert pull("models", "pull", "org/Rm-GGUF", "-q", "Q4_K_M").code == 0
    r = pull("models", "rm", "tiny-q4_k_m")
    assert r.code == 0, r.err
    assert not repo_dir(pull, "org/Rm-GGUF").exists()
    assert "tiny-q4_k_m" not in local_rows(pull)


def test_use_makes_a_pulled_model_the_local_default(pull, hub):
    quants_repo(hub, "org/Use-GGUF")
    assert pull("models", "pull", "org/Use-GGUF", "-q", "Q4_K_M").code == 0
    r = pull("models", "use", "tiny-q4_k_m")
    assert r.code == 0, r.err
    assert 'model = "tiny-q4_k_m"' in (pull.home / "config.toml").read_text()
    doctor = pull("doctor", "--offline")
    assert "local model : tiny-q4_k_m  (pulled by aigc: hf.co/org/Use-GGUF@" in doctor.out
    assert str(repo_dir(pull, "org/Use-GGUF") / "tiny-Q4_K_M.gguf") in doctor.out


@pytest.mark.slow
def test_a_pulled_model_answers_through_ask(pull, hub, gguf_model):
    hub.add_repo(
        "test-org/Gemma-3-270M-GGUF",
        {
            "gemma-3-270m-Q4_K_M.gguf": HubFile(path=gguf_model),
            "gemma-3-270m-Q8_0.gguf": HubFile(data=fake_gguf(MB, 30)),
        },
    )
    r = pull("models", "pull", "test-org/Gemma-3-270M-GGUF", "--quant", "Q4_K_M")
    assert (r.code, r.out.strip()) == (0, "gemma-3-270m-q4_k_m"), r.err
    answer = pull(
        "ask",
        "-b",
        "local",
        "-m",
        "gemma-3-270m-q4_k_m",
        "--max-tokens",
        "16",
        "What is the capital of France?",
        timeout=300,
    )
    assert answer.code == 0, answer.err
    assert answer.out.strip()


def test_models_list_never_imports_huggingface_hub(pull):
    import sys

    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigc_cli", "models", "list"],
        check=False,
        capture_output=True,
        env=pull.env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    mods = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "aigc_cli.localmodels.registry" in mods
    assert not [m for m in mods if m.split(".")[0] in ("huggingface_hub", "httpx", "llama_cpp")]


def test_the_progress_bar_is_drawn_on_a_terminal(pull, hub):
    import pexpect

    quants_repo(hub, "org/Progress-GGUF")
    child = pexpect.spawn(
        AIGC,
        ["models", "pull", "org/Progress-GGUF", "-q", "Q8_0"],
        env=pull.env,
        dimensions=(30, 100),
        encoding="utf-8",
        timeout=60,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "tiny-Q8_0.gguf: 100%" in child.before
    assert "3.15M/3.15M" in child.before
