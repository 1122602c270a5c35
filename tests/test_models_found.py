"""Models other tools downloaded (Ollama, LM Studio, the HF cache): listed and used in place.

Each test builds the other tool's folder layout in tmp, with the bundled
GGUF hard-linked in as the model file, and runs the installed `aigc`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aigc_cli.localmodels import discover
from tests.conftest import Aigc

OLLAMA_MODEL = "application/vnd.ollama.image.model"
FAKE_SHA = "a" * 64


def link(src: Path, dst: Path) -> Path:
    """``dst`` as the same file as ``src`` (a hard link; a copy across filesystems)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return dst


def small_gguf(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF" + b"\0" * 60)
    return path


def ollama_manifest(
    root: Path,
    name: str,
    blob_hex: str,
    size: int,
    *,
    registry: str = "registry.ollama.ai",
    namespace: str = "library",
    tag: str = "latest",
) -> Path:
    manifest = root / "manifests" / registry / namespace / name / tag
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {
                    "mediaType": "application/vnd.docker.container.image.v1+json",
                    "digest": "sha256:" + "c" * 64,
                    "size": 10,
                },
                "layers": [
                    {"mediaType": OLLAMA_MODEL, "digest": f"sha256:{blob_hex}", "size": size},
                    {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:" + "d" * 64, "size": 5},
                ],
            }
        )
    )
    return manifest


@pytest.fixture
def found(aigc: Aigc, tmp_path: Path) -> Aigc:
    """`aigc` with empty Ollama, LM Studio (under HOME) and HF cache folders of its own."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN"):
        aigc.env.pop(var, None)
    aigc.env.update(OLLAMA_MODELS=str(tmp_path / "ollama"), HOME=str(tmp_path / "user"), HF_HOME=str(tmp_path / "hf"))
    return aigc


def ollama_dir(aigc: Aigc) -> Path:
    return Path(aigc.env["OLLAMA_MODELS"])


def lmstudio_dir(aigc: Aigc) -> Path:
    return Path(aigc.env["HOME"]) / ".lmstudio" / "models"


def hf_hub_dir(aigc: Aigc) -> Path:
    return Path(aigc.env["HF_HOME"]) / "hub"


def local_rows(aigc: Aigc) -> dict[str, dict]:
    r = aigc("models", "list", "--json")
    assert r.code == 0, r.err
    return {row["name"]: row for row in json.loads(r.out) if row["backend"] == "local"}


def add_ollama(aigc: Aigc, gguf: Path, name: str = "gemma3", tag: str = "270m", **kw) -> Path:
    root = ollama_dir(aigc)
    blob = link(gguf, root / "blobs" / f"sha256-{FAKE_SHA}")
    ollama_manifest(root, name, FAKE_SHA, blob.stat().st_size, tag=tag, **kw)
    return blob


def add_hf_cache(aigc: Aigc, gguf: Path, repo: str, filename: str, commit: str = "b" * 40) -> Path:
    repo_dir = hf_hub_dir(aigc) / f"models--{repo.replace('/', '--')}"
    blob = link(gguf, repo_dir / "blobs" / FAKE_SHA)
    snap = repo_dir / "snapshots" / commit / filename
    snap.parent.mkdir(parents=True, exist_ok=True)
    snap.symlink_to(os.path.relpath(blob, snap.parent))
    (repo_dir / "refs").mkdir(exist_ok=True)
    (repo_dir / "refs" / "main").write_text(commit)
    return snap


# ----------------------------------------------------------------- Ollama


def test_an_ollama_model_is_listed_as_model_colon_tag_with_its_blob(found, tmp_path):
    blob = add_ollama(found, small_gguf(tmp_path / "m.gguf"))
    row = local_rows(found)["gemma3:270m"]
    assert (row["source"], row["usable"], row["path"]) == ("ollama", True, str(blob))
    assert "manifests/registry.ollama.ai/library/gemma3/270m" in row["origin"]


def test_an_ollama_model_outside_library_keeps_its_namespace(found, tmp_path):
    add_ollama(found, small_gguf(tmp_path / "m.gguf"), name="tiny", tag="q4", namespace="someone")
    assert local_rows(found)["someone/tiny:q4"]["usable"]


def test_an_ollama_model_from_another_registry_keeps_the_host(found, tmp_path):
    add_ollama(
        found,
        small_gguf(tmp_path / "m.gguf"),
        name="Qwen2.5-GGUF",
        tag="Q4_K_M",
        registry="hf.co",
        namespace="bartowski",
    )
    assert "hf.co/bartowski/Qwen2.5-GGUF:Q4_K_M" in local_rows(found)


def test_a_broken_ollama_manifest_is_listed_unusable_with_the_reason(found, tmp_path):
    add_ollama(found, small_gguf(tmp_path / "m.gguf"))
    bad = ollama_dir(found) / "manifests" / "registry.ollama.ai" / "library" / "broken" / "latest"
    bad.parent.mkdir(parents=True)
    bad.write_text("{not json")
    rows = local_rows(found)
    assert rows["broken:latest"]["usable"] is False
    assert "broken manifest" in rows["broken:latest"]["reason"]
    assert rows["gemma3:270m"]["usable"] is True


def test_an_ollama_manifest_whose_blob_is_missing_is_listed_unusable(found):
    ollama_manifest(ollama_dir(found), "gone", "e" * 64, 1000)
    row = local_rows(found)["gone:latest"]
    assert row["usable"] is False and row["path"] is None
    assert row["reason"].startswith("blob missing: ") and row["reason"].endswith("sha256-" + "e" * 64)


def test_the_plain_list_marks_an_unusable_model_and_says_why(found):
    ollama_manifest(ollama_dir(found), "gone", "e" * 64, 1000)
    r = found("models", "list")
    assert r.code == 0, r.err
    line = next(line for line in r.out.splitlines() if "gone:latest" in line)
    assert line.startswith("! ") and "UNUSABLE: blob missing" in line


def test_asking_an_unusable_model_is_exit_3_with_the_reason(found):
    ollama_manifest(ollama_dir(found), "gone", "e" * 64, 1000)
    r = found("ask", "-b", "local", "-m", "gone", "hi")
    assert r.code == 3
    assert "gone:latest (Ollama) cannot be used: blob missing" in r.err
    assert "Traceback" not in r.err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.sampled_from(["layers", "mediaType", "digest", "size", "x"]), inner, max_size=4)
            ),
            max_leaves=12,
        ).map(json.dumps),
    )
)
def test_any_manifest_content_is_listed_never_raised(tmp_path_factory, text):
    root = tmp_path_factory.mktemp("ollama")
    manifest = root / "manifests" / "registry.ollama.ai" / "library" / "fuzz" / "latest"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(text)
    (entry,) = discover.ollama_models(root)
    assert entry.name == "fuzz:latest"
    assert entry.usable is False and entry.reason


# -------------------------------------------------------------- LM Studio


def test_an_lmstudio_model_is_listed_by_its_file_name(found, tmp_path):
    path = small_gguf(lmstudio_dir(found) / "lmstudio-community" / "Tiny-GGUF" / "Tiny-1B-Q4_K_M.gguf")
    row = local_rows(found)["tiny-1b-q4_k_m"]
    assert (row["source"], row["path"], row["usable"]) == ("lmstudio", str(path), True)
    assert "lmstudio-community/Tiny-GGUF" in row["origin"]


def test_the_older_lmstudio_folder_is_read_too(found):
    old = Path(found.env["HOME"]) / ".cache" / "lm-studio" / "models"
    small_gguf(old / "pub" / "Old-GGUF" / "old-Q8_0.gguf")
    assert local_rows(found)["old-q8_0"]["source"] == "lmstudio"


def test_an_incomplete_split_set_in_lmstudio_is_unusable_naming_the_part(found):
    small_gguf(lmstudio_dir(found) / "pub" / "Big-GGUF" / "big-Q4_K_M-00001-of-00002.gguf")
    row = local_rows(found)["big-q4_k_m"]
    assert row["usable"] is False
    assert row["reason"] == "split model incomplete: missing part 2 of 2"


def test_a_name_two_sources_share_is_qualified_for_the_later_one(found, tmp_path):
    gguf = small_gguf(tmp_path / "m.gguf")
    link(gguf, lmstudio_dir(found) / "pub" / "Tiny-GGUF" / "tiny-Q4_K_M.gguf")
    add_hf_cache(found, gguf, "owner/Tiny-GGUF", "tiny-Q4_K_M.gguf")
    rows = local_rows(found)
    assert rows["tiny-q4_k_m"]["source"] == "lmstudio"
    assert rows["owner/tiny-q4_k_m"]["source"] == "hf-cache"


# ---------------------------------------------------------- the HF cache


def test_a_gguf_in_the_hf_cache_is_listed_with_its_repo(found, tmp_path):
    snap = add_hf_cache(
        found, small_gguf(tmp_path / "m.gguf"), "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q4_k_m.gguf"
    )
    row = local_rows(found)["qwen2.5-0.5b-instruct-q4_k_m"]
    assert (row["source"], row["path"], row["usable"]) == ("hf-cache", str(snap), True)
    assert row["origin"] == "Hugging Face cache Qwen/Qwen2.5-0.5B-Instruct-GGUF@bbbbbbbb"


def test_hf_hub_cache_outranks_hf_home(found, tmp_path):
    other = tmp_path / "elsewhere"
    found.env["HF_HUB_CACHE"] = str(other)
    repo = other / "models--o--R" / "snapshots" / ("c" * 40)
    small_gguf(repo / "r-Q4_0.gguf")
    assert local_rows(found)["r-q4_0"]["source"] == "hf-cache"


def test_a_broken_link_in_the_hf_cache_is_unusable(found, tmp_path):
    snap = add_hf_cache(found, small_gguf(tmp_path / "m.gguf"), "o/Gone-GGUF", "gone-Q4_K_M.gguf")
    Path(os.path.realpath(snap)).unlink()
    row = local_rows(found)["gone-q4_k_m"]
    assert row["usable"] is False and row["reason"].startswith("blob missing")


# ------------------------------------------------------------- use and rm


def test_use_sets_local_model_to_an_ollama_model(found, tmp_path):
    blob = add_ollama(found, small_gguf(tmp_path / "m.gguf"))
    r = found("models", "use", "gemma3:270m")
    assert r.code == 0, r.err
    assert 'model = "gemma3:270m"' in (found.home / "config.toml").read_text()
    doctor = found("doctor", "--offline")
    assert "local model : gemma3:270m  (Ollama: Ollama manifest" in doctor.out
    assert str(blob) in doctor.out


def test_use_removes_a_local_model_path_that_would_outrank_it(found, tmp_path):
    add_ollama(found, small_gguf(tmp_path / "m.gguf"))
    (found.home / "config.toml").write_text(f'[local]\nmodel_path = "{tmp_path / "m.gguf"}"\n')
    r = found("models", "use", "gemma3:270m")
    assert r.code == 0, r.err
    assert "removed local.model_path" in r.err
    assert "model_path" not in (found.home / "config.toml").read_text()


def test_use_of_an_unknown_name_is_exit_2(found):
    r = found("models", "use", "nothing-here")
    assert r.code == 2
    assert "unknown local model 'nothing-here'" in r.err
    assert not (found.home / "config.toml").exists()


def test_rm_refuses_another_tools_model_and_keeps_its_file(found, tmp_path):
    blob = add_ollama(found, small_gguf(tmp_path / "m.gguf"))
    r = found("models", "rm", "gemma3:270m")
    assert r.code == 2
    assert "belongs to Ollama" in r.err and "only models it pulled" in r.err
    assert blob.exists()


# ------------------------------------------------ answering, on the real model


@pytest.mark.slow
def test_an_ollama_model_answers_through_ask(found, gguf_model):
    add_ollama(found, gguf_model)
    r = found("ask", "-b", "local", "-m", "gemma3:270m", "--max-tokens", "16", "What is 2+2?", timeout=300)
    assert r.code == 0, r.err
    assert r.out.strip()


@pytest.mark.slow
def test_an_lmstudio_model_answers_through_ask(found, gguf_model):
    link(gguf_model, lmstudio_dir(found) / "lmstudio-community" / "gemma-3-270m-GGUF" / "gemma-3-270m-Q4_K_M.gguf")
    r = found("ask", "-b", "local", "-m", "gemma-3-270m-q4_k_m", "--max-tokens", "16", "What is 2+2?", timeout=300)
    assert r.code == 0, r.err
    assert r.out.strip()


def test_models_default_with_a_local_name_sets_local_model(found, tmp_path):
    add_ollama(found, small_gguf(tmp_path / "m.gguf"))
    r = found("models", "default", "gemma3:270m")
    assert r.code == 0, r.err
    assert r.out.startswith("local.model = gemma3:270m")
