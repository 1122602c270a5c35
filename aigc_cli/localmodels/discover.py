"""GGUF models other tools already downloaded, read in place (never copied).

Ollama keeps content-addressed blobs named by OCI-style manifests; LM Studio
keeps ``publisher/repo/file.gguf`` folders; the Hugging Face cache keeps
``models--owner--repo/snapshots/<commit>/`` links into ``blobs/``. Each
reader returns every model it finds, and an entry it cannot use (bad JSON,
no model layer, a missing blob or split part) comes back ``usable=False``
with the reason: one broken model never hides the others or crashes a list.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from aigc_cli.localmodels.entry import LocalModel
from aigc_cli.localmodels.names import group, short_name

OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
OLLAMA_REGISTRY = "registry.ollama.ai"


# ------------------------------------------------------------------ roots


def ollama_root() -> Path:
    env = os.environ.get("OLLAMA_MODELS")
    return Path(env).expanduser() if env else Path.home() / ".ollama" / "models"


def lmstudio_roots() -> list[Path]:
    """LM Studio 0.3+ (``~/.lmstudio/models``) and older (``~/.cache/lm-studio/models``)."""
    home = Path.home()
    return [home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"]


def hf_cache_root() -> Path:
    """The Hub cache as huggingface_hub finds it: HF_HUB_CACHE, else HF_HOME/hub."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "huggingface" / "hub"


# ---------------------------------------------------------------- helpers


def _gguf_problem(path: Path) -> str | None:
    """Why ``path`` is not a loadable GGUF file, or None (reads 4 bytes)."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError:
        return f"file missing: {path}"
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror}"
    return None if magic == b"GGUF" else f"not a GGUF file: {path}"


def _size(paths: list[Path]) -> int | None:
    try:
        return sum(p.stat().st_size for p in paths)
    except OSError:
        return None


def _file_sets(folder: Path, pattern: str) -> Iterator[tuple[Path, list[Path], str | None]]:
    """(first file, all files, problem) for each model among ``folder.glob(pattern)``."""
    rels = [p.relative_to(folder).as_posix() for p in folder.glob(pattern)]
    for fs in group(rels):
        files = [folder / f for f in fs.files]
        problem = None
        if not fs.complete:
            problem = f"split model incomplete: missing part {', '.join(map(str, fs.missing))} of {fs.total}"
        else:
            problem = next((p for p in map(_gguf_problem, files) if p), None)
        yield folder / fs.key, files, problem


# ----------------------------------------------------------------- Ollama


def ollama_name(registry: str, namespace: str, model: str, tag: str) -> str:
    """Ollama's own short form: ``model:tag``, ``ns/model:tag``, ``host/ns/model:tag``."""
    if registry != OLLAMA_REGISTRY:
        return f"{registry}/{namespace}/{model}:{tag}"
    return f"{model}:{tag}" if namespace == "library" else f"{namespace}/{model}:{tag}"


def _ollama_blob(root: Path, manifest: Path) -> tuple[Path | None, int | None, str | None]:
    """(blob, size the manifest states, problem) for a manifest's model layer."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except OSError as exc:
        return None, None, f"cannot read manifest: {exc.strerror}"
    except ValueError as exc:
        return None, None, f"broken manifest (not JSON: {exc})"
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list):
        return None, None, "broken manifest (no layers)"
    layer = next((x for x in layers if isinstance(x, dict) and x.get("mediaType") == OLLAMA_MODEL_LAYER), None)
    if layer is None:
        return None, None, "manifest has no model layer"
    digest = str(layer.get("digest", ""))
    algo, _, hexdigest = digest.partition(":")
    if algo != "sha256" or not hexdigest or not hexdigest.isalnum():
        return None, None, f"broken manifest (bad digest {digest!r})"
    blobs = root / "blobs"
    blob = next(
        (b for b in (blobs / f"sha256-{hexdigest}", blobs / f"sha256:{hexdigest}") if b.exists()),
        blobs / f"sha256-{hexdigest}",
    )
    size = layer.get("size") if isinstance(layer.get("size"), int) else None
    if not blob.is_file():
        return blob, size, f"blob missing: {blob}"
    return blob, size, _gguf_problem(blob)


def ollama_models(root: Path | None = None) -> list[LocalModel]:
    """Every manifest under ``manifests/<registry>/<namespace>/<model>/<tag>``."""
    root = root or ollama_root()
    base = root / "manifests"
    if not base.is_dir():
        return []
    found = []
    manifests = (p for p in base.glob("*/*/*/*") if p.is_file() and not p.name.startswith("."))
    for manifest in sorted(manifests):
        registry, namespace, model, tag = manifest.relative_to(base).parts
        blob, size, problem = _ollama_blob(root, manifest)
        if problem is None and size is not None and blob is not None:
            actual = _size([blob])
            if actual is not None and actual != size:
                problem = f"blob incomplete ({actual} of {size} bytes): {blob}"
        found.append(
            LocalModel(
                name=ollama_name(registry, namespace, model, tag),
                source="ollama",
                path=str(blob) if blob is not None and problem is None else None,
                origin=f"Ollama manifest {manifest}",
                size=size if size is not None else (_size([blob]) if blob else None),
                usable=problem is None,
                reason=problem,
            )
        )
    return found


# -------------------------------------------------------------- LM Studio


def lmstudio_models(roots: list[Path] | None = None) -> list[LocalModel]:
    """``publisher/repo/*.gguf`` under each LM Studio models folder."""
    found = []
    for root in roots if roots is not None else lmstudio_roots():
        if not root.is_dir():
            continue
        for first, files, problem in _file_sets(root, "*/*/*.gguf"):
            publisher, repo = first.relative_to(root).parts[:2]
            found.append(
                LocalModel(
                    name=short_name(first.name),
                    source="lmstudio",
                    path=str(first) if problem is None else None,
                    aliases=[f"{publisher}/{short_name(first.name)}", f"{publisher}/{repo}/{short_name(first.name)}"],
                    origin=f"LM Studio {publisher}/{repo} in {root}",
                    size=_size(files),
                    usable=problem is None,
                    reason=problem,
                )
            )
    return found


# --------------------------------------------------------- the HF cache


def _snapshots(repo_dir: Path) -> list[Path]:
    """Snapshot folders, the one ``refs/main`` names first, then newest first."""
    snaps = [p for p in (repo_dir / "snapshots").glob("*") if p.is_dir()]
    try:
        main = (repo_dir / "refs" / "main").read_text().strip()
    except OSError:
        main = ""
    return sorted(snaps, key=lambda p: (p.name != main, -p.stat().st_mtime))


def hf_cache_models(root: Path | None = None) -> list[LocalModel]:
    """GGUF files in the Hub cache's model snapshots (each file once, newest snapshot)."""
    root = root or hf_cache_root()
    if not root.is_dir():
        return []
    found = []
    for repo_dir in sorted(root.glob("models--*")):
        repo_id = repo_dir.name[len("models--") :].replace("--", "/", 1)
        seen: set[str] = set()
        for snap in _snapshots(repo_dir):
            for first, files, problem in _file_sets(snap, "**/*.gguf"):
                rel = first.relative_to(snap).as_posix()
                if rel in seen:
                    continue
                seen.add(rel)
                if problem and "file missing" in problem:
                    problem = f"blob missing (broken link in the cache): {first}"
                found.append(
                    LocalModel(
                        name=short_name(first.name),
                        source="hf-cache",
                        path=str(first) if problem is None else None,
                        aliases=[
                            f"{repo_id.split('/')[0]}/{short_name(first.name)}",
                            f"{repo_id}/{short_name(first.name)}",
                        ],
                        origin=f"Hugging Face cache {repo_id}@{snap.name[:8]}",
                        size=_size(files),
                        usable=problem is None,
                        reason=problem,
                    )
                )
    return found


def iter_found() -> Iterator[LocalModel]:
    """Every model other tools keep, Ollama first, then LM Studio, then the HF cache.

    Lazy per source, so resolving a name found in Ollama never walks the HF cache.
    """
    yield from ollama_models()
    yield from lmstudio_models()
    yield from hf_cache_models()
