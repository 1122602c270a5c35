"""`aigc models pull`: one GGUF model (or a split set) from the Hugging Face Hub.

``huggingface_hub`` does the HTTP: it honours ``HF_ENDPOINT``, ``HF_TOKEN``
and ``HF_HUB_OFFLINE``, draws the progress bar on stderr, and (in the
versions pyproject pins, 1.10 to 1.15) keeps a partial download in
``<local_dir>/.cache/huggingface/download/*.incomplete`` and continues it with
a Range request on the next call, even after the process was killed. It
checks a download's size but not its sha256: that check is ours, and a file
that fails it is deleted with huggingface_hub's note about it, so a later
pull cannot take it for a finished download. Only a verified set of files
is recorded in ``pulled.json``, and only recorded files resolve by name.

Transfers go over plain HTTP (``HF_HUB_DISABLE_XET=1`` unless the user set
it): the resume promise above is the HTTP path's; the Xet path keeps its own
state that we do not test.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aigc_cli.errors import (
    AigcError,
    AuthError,
    BackendUnreachable,
    ConfigError,
    RateLimited,
    UsageError,
)
from aigc_cli.localmodels import choose, pulled
from aigc_cli.localmodels.names import FileSet, short_name

MAX_ATTEMPTS = 6  # a dropped connection is retried (resumed) while data keeps arriving

Notify = Callable[[str], None]


@dataclass
class FileSpec:
    """What the Hub says one file is: the size and digest we check it against."""

    filename: str
    size: int | None
    sha256: str | None  # LFS files (every real GGUF)
    git_sha1: str | None  # small files kept in git itself


@dataclass
class PullResult:
    model: pulled.PulledModel
    downloaded: bool  # False: it was already pulled and still matches its record


def _hf() -> Any:
    """Import huggingface_hub with our transfer settings (lazy: only a pull pays for it)."""
    os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        import huggingface_hub
        import huggingface_hub.constants
        import huggingface_hub.errors
    except ImportError:
        raise ConfigError(
            "`aigc models pull` needs huggingface_hub",
            hint="pip install 'aigc-cli[local]' (huggingface_hub>=1.10,<1.16)",
        ) from None
    return huggingface_hub


# ----------------------------------------------------------------- errors


def _hub_error(exc: Exception, repo_id: str, filename: str | None = None) -> AigcError:
    """One clear error, with the documented exit code, for a failed Hub call."""
    from huggingface_hub import constants
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
    )

    what = f"{filename} in {repo_id}" if filename else repo_id
    if isinstance(exc, OfflineModeIsEnabled):
        return ConfigError(
            f"HF_HUB_OFFLINE is set: cannot reach the Hub for {what}",
            hint="unset HF_HUB_OFFLINE, or use a model on disk (`aigc models list`)",
        )
    response = getattr(exc, "response", None) if isinstance(exc, HfHubHTTPError) else None
    status = getattr(response, "status_code", None)
    if status == 401:
        reason = (
            "it rejected the token (HF_TOKEN, or the one `hf auth login` saved)"
            if _bad_credentials(response)
            else "the repository does not exist, or it is private or gated"
        )
        return AuthError(
            f"the Hub refused {what} (401): {reason}",
            hint="check the repo id; for a private or gated model set HF_TOKEN to a token that can read it",
        )
    if status == 403:
        return AuthError(
            f"the Hub refused {what} (403): gated or forbidden for this token",
            hint="accept the model's terms on its Hub page, then set HF_TOKEN",
        )
    if status == 404:
        return UsageError(f"not found on the Hub (404): {what}", hint="check the repo id and file name")
    if status == 429:
        return RateLimited(f"the Hub is rate-limiting requests for {what} (429)", hint="wait and pull again")
    if status is not None:
        return BackendUnreachable(f"the Hub answered {status} for {what}", hint="try again later")
    if isinstance(exc, LocalEntryNotFoundError) or _is_transport(exc):
        return BackendUnreachable(
            f"cannot reach the Hugging Face Hub at {constants.ENDPOINT} for {what}",
            hint="check the network, or HF_ENDPOINT for a mirror",
        )
    return AigcError(f"the Hub download of {what} failed: {exc}")


def _bad_credentials(response: Any) -> bool:
    return "credentials" in (response.headers.get("X-Error-Message") or "").lower()


def _is_transport(exc: Exception) -> bool:
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError))


# ---------------------------------------------------------------- listing


def _specs(info: Any) -> dict[str, FileSpec]:
    specs = {}
    for s in info.siblings or []:
        lfs = s.lfs
        specs[s.rfilename] = FileSpec(
            filename=s.rfilename,
            size=lfs.size if lfs else s.size,
            sha256=lfs.sha256 if lfs else None,
            git_sha1=None if lfs else s.blob_id,
        )
    return specs


def _offline_pick(repo_id: str, pattern: str | None, quant: str | None) -> PullResult:
    """Offline: a model already pulled from ``repo_id`` that FILE/--quant select, else an error."""
    records = [m for m in pulled.load() if m.repo_id == repo_id]
    sizes = {f.filename: f.size for m in records for f in m.files}
    if not records:
        raise ConfigError(
            f"HF_HUB_OFFLINE is set and nothing from {repo_id} has been pulled",
            hint="unset HF_HUB_OFFLINE to pull it, or use a model on disk (`aigc models list`)",
        )
    fs = choose.pick(repo_id, sizes, pattern, quant)
    model = next(m for m in records if m.files[0].filename == fs.key)
    problem = model.problem()
    if problem:
        raise ConfigError(f"HF_HUB_OFFLINE is set and the pulled {model.name} is damaged: {problem}")
    return PullResult(model, downloaded=False)


# --------------------------------------------------------------- download


def _partials(repo_id: str) -> list[Path]:
    return list((pulled.hub_dir(repo_id) / ".cache" / "huggingface" / "download").glob("*.incomplete"))


def _partial_bytes(repo_id: str) -> int:
    return sum(p.stat().st_size for p in _partials(repo_id) if p.exists())


def _drop_partials(repo_id: str, spec: FileSpec) -> None:
    for p in _partials(repo_id):
        if spec.sha256 is None or spec.sha256 in p.name:
            p.unlink(missing_ok=True)


def _download(repo_id: str, spec: FileSpec, revision: str, notify: Notify) -> Path:
    """Fetch one file into models/hub/REPO, resuming after dropped connections.

    huggingface_hub retries a read timeout itself but not a connection the
    server closed mid-body; we call it again while each attempt brings more
    bytes, and each call continues the partial file with a Range request.
    """
    hf = _hf()
    last = -1
    for attempt in range(MAX_ATTEMPTS):
        try:
            return Path(
                hf.hf_hub_download(repo_id, spec.filename, revision=revision, local_dir=pulled.hub_dir(repo_id))
            )
        except Exception as exc:  # noqa: BLE001 - huggingface_hub's, httpx's and OSError, mapped below
            if isinstance(exc, OSError) and "Consistency check failed" in str(exc):
                _drop_partials(repo_id, spec)  # a wrong-sized body must not be resumed
                raise ConfigError(
                    f"{spec.filename} from {repo_id} arrived with the wrong size; the partial file was deleted",
                    hint="pull again",
                ) from None
            have = _partial_bytes(repo_id)
            if not _is_transport(exc) or have <= last or attempt == MAX_ATTEMPTS - 1:
                raise _hub_error(exc, repo_id, spec.filename) from None
            last = have
            notify(f"connection lost after {have:,} bytes of {spec.filename}; resuming")
            time.sleep(min(2.0, 0.25 * (attempt + 1)))
    raise AssertionError("unreachable")  # pragma: no cover


def file_digest(path: Path, git: bool = False) -> str:
    """sha256 of the file, or git's blob sha1 (``blob <size>\\0`` + content)."""
    h = hashlib.sha1() if git else hashlib.sha256()
    if git:
        h.update(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as fh:
        while chunk := fh.read(8 << 20):
            h.update(chunk)
    return h.hexdigest()


def verify(repo_id: str, spec: FileSpec, path: Path) -> pulled.PulledFile:
    """Size and digest against the Hub's listing; a bad file is deleted, never kept."""
    size = path.stat().st_size
    problem = None
    if spec.size is not None and size != spec.size:
        problem = f"size {size:,} but the Hub lists {spec.size:,}"
    else:
        want = spec.sha256 or spec.git_sha1
        got = file_digest(path, git=spec.sha256 is None) if want else None
        if want and got != want:
            kind = "sha256" if spec.sha256 else "git sha1"
            problem = f"{kind} {got[:16]}… but the Hub lists {want[:16]}…"  # type: ignore[index]
    if problem:
        pulled.forget_file(repo_id, spec.filename)
        _drop_partials(repo_id, spec)
        raise ConfigError(
            f"{spec.filename} from {repo_id} failed verification ({problem}); the file was deleted",
            hint="pull again; if it fails again, the server sends a corrupt file",
        )
    return pulled.PulledFile(filename=spec.filename, size=size, sha256=spec.sha256 or file_digest(path))


def _already(repo_id: str, fs: FileSet, revision: str, specs: dict[str, FileSpec]) -> pulled.PulledModel | None:
    """The existing record for exactly these files at this commit, if still intact."""
    for m in pulled.load():
        if m.repo_id == repo_id and m.revision == revision and [f.filename for f in m.files] == fs.files:
            same = all(f.sha256 == (specs[f.filename].sha256 or f.sha256) for f in m.files)
            if same and m.problem() is None:
                return m
    return None


def pull(
    repo_id: str, pattern: str | None = None, quant: str | None = None, notify: Notify = lambda _msg: None
) -> PullResult:
    """Download, verify and record one model from ``repo_id``; return its record."""
    hf = _hf()
    if hf.constants.HF_HUB_OFFLINE:
        return _offline_pick(repo_id, pattern, quant)
    try:
        info = hf.HfApi().model_info(repo_id, files_metadata=True)
    except Exception as exc:  # noqa: BLE001 - every Hub failure becomes one AigcError
        if isinstance(exc, hf.errors.HFValidationError):
            raise UsageError(
                f"not a Hub repo id: {repo_id!r}", hint="give OWNER/NAME, e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF"
            ) from None
        raise _hub_error(exc, repo_id) from None
    specs = _specs(info)
    fs = choose.pick(repo_id, {name: s.size for name, s in specs.items()}, pattern, quant)
    revision = info.sha or "main"
    existing = _already(repo_id, fs, revision, specs)
    if existing is not None:
        return PullResult(existing, downloaded=False)
    done = []
    for i, filename in enumerate(fs.files, 1):
        if fs.total > 1:
            notify(f"part {i} of {fs.total}: {filename}")
        path = _download(repo_id, specs[filename], revision, notify)
        notify(f"verifying {filename}")
        done.append(verify(repo_id, specs[filename], path))
    model = pulled.PulledModel(
        name=short_name(fs.key),
        repo_id=repo_id,
        revision=revision,
        files=done,
        pulled_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    return PullResult(pulled.add(model), downloaded=True)
