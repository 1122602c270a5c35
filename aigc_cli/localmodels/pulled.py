"""The record of models aigc pulled itself: ``models/pulled.json`` in the data dir.

A model becomes usable only when a verified pull writes its entry here, so
a partial or corrupt download never resolves by name; and ``models rm``
deletes only the files listed here, never another tool's. The file is
rewritten atomically under a lock, so two pulls at once cannot lose each
other's entry.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ValidationError

from aigc_cli import paths
from aigc_cli.errors import ConfigError


class PulledFile(BaseModel):
    """One downloaded file, as the Hub described it and we verified it."""

    filename: str  # path inside the repository
    size: int
    sha256: str


class PulledModel(BaseModel):
    """One pulled model: a GGUF file or a whole split set, from one commit."""

    name: str
    repo_id: str
    revision: str
    files: list[PulledFile]
    pulled_at: str

    def folder(self) -> Path:
        return hub_dir(self.repo_id)

    def path(self) -> Path:
        """The file llama.cpp opens: the only one, or part 1 of a split set."""
        return self.folder() / self.files[0].filename

    def size(self) -> int:
        return sum(f.size for f in self.files)

    def problem(self) -> str | None:
        """Why the files on disk no longer match the record (a cheap stat, no hashing)."""
        for f in self.files:
            p = self.folder() / f.filename
            try:
                actual = p.stat().st_size
            except OSError:
                return f"file missing: {p}"
            if actual != f.size:
                return f"file changed on disk (size {actual}, pulled {f.size}): {p}"
        return None


class _Record(BaseModel):
    models: list[PulledModel] = []


def hub_dir(repo_id: str | None = None) -> Path:
    """Where pulls land: ``models/hub/OWNER/REPO`` (huggingface_hub's ``local_dir``)."""
    root = paths.model_cache_dir() / "hub"
    return root / repo_id if repo_id else root


def record_file() -> Path:
    return paths.model_cache_dir() / "pulled.json"


def load() -> list[PulledModel]:
    """Every recorded pull; a damaged record is a ConfigError naming the file."""
    path = record_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return _Record.model_validate(json.loads(text)).models
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(
            f"the pull record {path} is damaged: {first}",
            hint="move it away; files under models/hub can be pulled again",
        ) from None


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    lock = record_file().with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _save(models: list[PulledModel]) -> None:
    from aigc_cli.fileio import atomic_write

    atomic_write(record_file(), _Record(models=models).model_dump_json(indent=2), mode=0o644)


def _same_model(a: PulledModel, b: PulledModel) -> bool:
    return a.repo_id == b.repo_id and a.files[0].filename == b.files[0].filename


def unique_name(base: str, model: PulledModel, models: list[PulledModel]) -> str:
    """``base`` unless another repository's model holds it: then ``OWNER/base``."""
    taken = {m.name for m in models if not _same_model(m, model)}
    if base not in taken:
        return base
    return f"{model.repo_id.split('/')[0].lower()}/{base}"


def add(model: PulledModel) -> PulledModel:
    """Record a verified pull (replacing an earlier pull of the same file)."""
    with _locked():
        models = [m for m in load() if not _same_model(m, model)]
        model = model.model_copy(update={"name": unique_name(model.name, model, models)})
        _save([*models, model])
    return model


def find(name: str) -> PulledModel | None:
    return next((m for m in load() if m.name == name), None)


def remove(name: str) -> PulledModel | None:
    """Drop the record of ``name`` and delete its files; None if aigc did not pull it."""
    with _locked():
        models = load()
        model = next((m for m in models if m.name == name), None)
        if model is None:
            return None
        _save([m for m in models if m.name != name])
    others = [m for m in models if m.name != name and m.repo_id == model.repo_id]
    if not others:  # the folder is aigc's alone: partial downloads go with it
        shutil.rmtree(model.folder(), ignore_errors=True)
    else:
        shared = {f.filename for m in others for f in m.files}
        for f in model.files:
            if f.filename not in shared:
                forget_file(model.repo_id, f.filename)
    _prune_empty(model.folder())
    return model


def forget_file(repo_id: str, filename: str) -> None:
    """Delete a file and huggingface_hub's note about it (``.cache/huggingface/download``).

    Without the note, a later pull cannot take a leftover for a finished
    download: it fetches the file again.
    """
    folder = hub_dir(repo_id)
    (folder / filename).unlink(missing_ok=True)
    meta = folder / ".cache" / "huggingface" / "download" / f"{filename}.metadata"
    meta.unlink(missing_ok=True)
    meta.with_suffix(".lock").unlink(missing_ok=True)


def _prune_empty(folder: Path) -> None:
    """Remove folders left empty under models/hub (never the hub folder itself)."""
    root = hub_dir()
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            with contextlib.suppress(OSError):
                path.rmdir()
    node = folder
    while node != root and root in node.parents:
        with contextlib.suppress(OSError):
            node.rmdir()
        node = node.parent
