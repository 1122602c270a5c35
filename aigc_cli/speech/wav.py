"""WAV parts joined into one file, with no gap added and no click at the joins.

Parts from one engine share their format (rate, width, channels); their PCM
frames are concatenated as they are (so the whole lasts exactly the sum of the
parts), and the few milliseconds on each side of a join are faded so that a
sample jump there cannot click.
"""

from __future__ import annotations

import array
import io
import sys
import wave

from aigc_cli.errors import BackendError

FADE_S = 0.004


def read(data: bytes) -> tuple[wave._wave_params, bytes]:
    """(params, frames) of a WAV, tolerating streaming headers whose sizes are unset."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            params = w.getparams()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise BackendError(f"the speech engine returned audio that is not a WAV file ({exc})") from None
    return params, frames


def _fade(frames: bytes, params: wave._wave_params, head: bool, tail: bool) -> bytes:
    if params.sampwidth != 2 or not (head or tail):
        return frames
    samples = array.array("h", frames)
    if sys.byteorder == "big":
        samples.byteswap()
    n = min(len(samples) // 2, int(params.framerate * FADE_S) * params.nchannels)
    for i in range(n):
        k = i / n
        if head:
            samples[i] = int(samples[i] * k)
        if tail:
            samples[-1 - i] = int(samples[-1 - i] * k)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def join(parts: list[bytes]) -> bytes:
    """One WAV of all ``parts`` in order (a single part is returned as it came)."""
    if len(parts) == 1:
        return parts[0]
    decoded = [read(p) for p in parts]
    first = decoded[0][0]
    for params, _ in decoded[1:]:
        if (params.nchannels, params.sampwidth, params.framerate) != (
            first.nchannels,
            first.sampwidth,
            first.framerate,
        ):
            raise BackendError("the speech engine returned parts in different audio formats")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(first.nchannels)
        w.setsampwidth(first.sampwidth)
        w.setframerate(first.framerate)
        last = len(decoded) - 1
        for i, (params, frames) in enumerate(decoded):
            w.writeframes(_fade(frames, params, head=i > 0, tail=i < last))
    return out.getvalue()


def duration(data: bytes) -> float:
    params, frames = read(data)
    return len(frames) / (params.framerate * params.sampwidth * params.nchannels)
