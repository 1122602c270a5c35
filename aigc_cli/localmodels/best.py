"""The local model to use when none is configured: the best one already on disk.

The bundled Gemma 270M is a base model kept so a fresh install answers
offline; a user who already has an instruct model (Ollama, LM Studio, the
Hugging Face cache, or pulled) gets far better answers from it. So with no
``local.model`` / ``local.model_path`` set, the local backend uses the best
usable GGUF found in place: one with a chat template (an instruct model),
then the largest that fits in the memory available. Without such a model
the bundled one stays the default.

Whether a file has a chat template is read from its GGUF header (stdlib, no
llama.cpp) and remembered by path, size and mtime in the model cache, so a
start-up reads no header twice. The choice is said once per model, on stderr.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from aigc_cli import paths
from aigc_cli.localmodels.entry import SOURCE_LABEL, LocalModel

if TYPE_CHECKING:
    from aigc_cli.config import Settings

TEMPLATE_KEY = "tokenizer.chat_template"
_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # GGUF value sizes
_STRING, _ARRAY = 8, 9
_CHOSEN: dict[str, LocalModel | None] = {}  # per process: the backend asks several times a turn


def _u32(fh: BinaryIO) -> int:
    return int(struct.unpack("<I", fh.read(4))[0])


def _u64(fh: BinaryIO) -> int:
    return int(struct.unpack("<Q", fh.read(8))[0])


def _skip(fh: BinaryIO, vtype: int) -> None:
    if vtype == _STRING:
        fh.seek(_u64(fh), 1)
    elif vtype == _ARRAY:
        etype, count = _u32(fh), _u64(fh)
        if etype in _FIXED:
            fh.seek(_FIXED[etype] * count, 1)
        else:
            for _ in range(count):
                _skip(fh, etype)
    else:
        fh.seek(_FIXED[vtype], 1)


def has_chat_template(path: Path) -> bool:
    """Whether the GGUF file's metadata holds a non-empty chat template."""
    try:
        with path.open("rb") as fh:
            if fh.read(4) != b"GGUF" or _u32(fh) < 2:
                return False
            _u64(fh)  # tensors
            for _ in range(_u64(fh)):
                name = fh.read(_u64(fh))
                vtype = _u32(fh)
                if name == TEMPLATE_KEY.encode() and vtype == _STRING:
                    return _u64(fh) > 0
                _skip(fh, vtype)
    except (OSError, struct.error, KeyError, OverflowError, ValueError):
        return False
    return False


def _cache_file() -> Path:
    return paths.model_cache_dir() / "chat-templates.json"


def _templated(models: list[LocalModel]) -> dict[str, bool]:
    """path -> has a chat template, from the cache where the file is unchanged."""
    try:
        cache = json.loads(_cache_file().read_text(encoding="utf-8"))
        cache = cache if isinstance(cache, dict) else {}
    except (OSError, ValueError):
        cache = {}
    out, changed = {}, False
    for m in models:
        try:
            st = Path(m.path or "").stat()
        except OSError:
            continue
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
        hit = cache.get(m.path)
        if not (isinstance(hit, list) and len(hit) == 2 and hit[0] == stamp):
            hit, changed = [stamp, has_chat_template(Path(m.path or ""))], True
            cache[m.path] = hit
        out[m.path or ""] = bool(hit[1])
    if changed:
        from aigc_cli.errors import AigcError
        from aigc_cli.fileio import atomic_write

        try:
            atomic_write(_cache_file(), json.dumps(cache), mode=0o644)  # never half a cache file
        except (OSError, AigcError):  # a read-only cache: read the headers again next time
            pass
    return out


def available_memory() -> int | None:
    """Bytes of memory available now (MemAvailable), or None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def pick(models: list[LocalModel], memory: int | None) -> LocalModel | None:
    """The best instruct model among ``models``: a chat template, then the largest that fits.

    A model fits when its file takes at most 3/4 of ``memory`` (the KV cache
    and the rest of the machine need the remainder); unknown memory fits all.
    """
    usable = [m for m in models if m.usable and m.path]
    templated = _templated(usable)
    budget = memory * 3 // 4 if memory else None
    fits = [m for m in usable if templated.get(m.path or "") and (budget is None or (m.size or 0) <= budget)]
    return max(fits, key=lambda m: m.size or 0, default=None)


def found_default(settings: "Settings") -> LocalModel | None:
    """The found model the local backend uses when none is configured, else None.

    ``local.model`` or ``local.model_path`` set anywhere (config, environment,
    a flag) is the user's choice and always wins.
    """
    if settings.local.model_path or "local.model" in settings.sources:
        return None
    key = str(paths.data_dir())
    if key not in _CHOSEN:
        from aigc_cli.localmodels import registry

        _CHOSEN[key] = pick(registry.all_models(), available_memory())
    return _CHOSEN[key]


def announce(model: LocalModel) -> None:
    """Say once per model (remembered in the data dir) which found model is in use."""
    from aigc_cli.notices import notify

    said = paths.data_dir() / "said" / "found-default"
    try:
        if said.read_text(encoding="utf-8") == model.name:
            return
    except OSError:
        pass
    notify(
        f"using {model.name} ({SOURCE_LABEL.get(model.source, model.source)}), the best instruct model "
        f"found on this machine, instead of the bundled demo model; `aigc models use NAME` picks another"
    )
    from aigc_cli.errors import AigcError
    from aigc_cli.fileio import atomic_write

    try:
        atomic_write(said, model.name)
    except (OSError, AigcError):
        pass
