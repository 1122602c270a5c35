"""Speech out (issue #24): `aigc speak`, `--speak`, `/speak`.

split.py (sentences, pieces within an engine's limit), speak.py (the one core
call), stream.py (reading a streamed answer aloud), espeak.py (offline),
wav.py (joining parts), convert.py (other formats), play.py (players).
Engines are backends (``Backend.speech``): the local backend speaks through
espeak-ng, the OpenAI backend through ``/v1/audio/speech``.
"""

from __future__ import annotations


def engines_found(player_setting: str | None = None) -> list[tuple[str, str]]:
    """(label, value) rows for `aigc doctor`: the offline engine, the encoder and the player."""
    import shutil
    import subprocess

    from aigc_cli.speech import espeak, play

    rows = []
    program = espeak.available()
    if program:
        try:
            out = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=5).stdout
            version = out.split("text-to-speech:")[-1].split("Data")[0].strip() if out else "?"
        except (OSError, subprocess.SubprocessError):
            version = "?"
        rows.append(("speech", f"offline: {program} {version} (-b local); online: /v1/audio/speech on API backends"))
    else:
        rows.append(("speech", "offline: none (install espeak-ng); online: /v1/audio/speech on API backends"))
    rows.append(
        ("  encoder", shutil.which("ffmpeg") or "none: offline speech is written as WAV (ffmpeg adds mp3/opus)")
    )
    found = play.find(player_setting)
    rows.append(("  player", " ".join(found) if found else "none found: `aigc speak -o FILE` saves instead"))
    return rows
