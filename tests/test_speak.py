"""`aigc speak` and `--speak`: offline through the real espeak-ng, online through the
loopback fixture's /v1/audio/speech; the audio checked with the `wave` module."""

from __future__ import annotations

import array
import io
import math
import shutil
import sys
import wave
from pathlib import Path

import pytest

from tests.conftest import Aigc
from tests.fixtures import openai_media
from tests.fixtures.openai_server import FakeOpenAI, Reply

needs_espeak = pytest.mark.skipif(
    not shutil.which("espeak-ng"), reason="espeak-ng is not installed (.ci/run installs it)"
)


def _wav(path: Path) -> tuple[float, float]:
    """(seconds, RMS of the samples) of a WAV file."""
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
    samples = array.array("h", frames)
    rms = math.sqrt(sum(s * s for s in samples[::7]) / max(1, len(samples[::7])))
    return seconds, rms


@needs_espeak
@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("The quick brown fox jumps over the lazy dog.", 1.5, 6.0),
        ("今天天气很好，我们去公园散步吧。", 1.5, 8.0),
    ],
)
def test_offline_speech_is_real_audio(aigc: Aigc, tmp_path: Path, text: str, low: float, high: float) -> None:
    out = tmp_path / "say.wav"
    r = aigc("speak", "-o", str(out), text)
    assert r.code == 0, r.err
    seconds, rms = _wav(out)
    assert low < seconds < high
    assert rms > 200  # not silence


@needs_espeak
def test_long_text_is_split_and_joined_into_one_file(aigc: Aigc, tmp_path: Path) -> None:
    from aigc_cli.speech import espeak, wav
    from aigc_cli.speech.split import split

    text = " ".join(f"This is sentence number {i}, which is here to make the text long." for i in range(40))
    pieces = split(text, 2000)
    assert len(pieces) >= 2
    expected = sum(wav.duration(espeak.synthesize(p)) for p in pieces)
    out = tmp_path / "long.wav"
    r = aigc("speak", "-o", str(out), input=text)
    assert r.code == 0, r.err
    seconds, rms = _wav(out)
    assert seconds == pytest.approx(expected, abs=0.01)
    assert rms > 200


def test_joined_parts_have_faded_joins_and_exact_length() -> None:
    from aigc_cli.speech import wav

    a, b = openai_media.tone_wav(0.5), openai_media.tone_wav(0.25)
    joined = wav.join([a, b])
    assert wav.duration(joined) == pytest.approx(0.75, abs=1e-4)
    with wave.open(io.BytesIO(joined)) as w:
        frames = array.array("h", w.readframes(w.getnframes()))
    at = int(0.5 * openai_media.RATE)
    assert abs(frames[at - 1]) < 50 and abs(frames[at]) < 50  # silence on both sides of the join: no click


def test_api_speech_in_parts_over_the_limit(aigc_api: Aigc, fake: FakeOpenAI, tmp_path: Path) -> None:
    openai_media.install(fake)
    text = " ".join(f"Sentence {i} is a short one." for i in range(200))  # > 4096 characters
    out = tmp_path / "long.wav"
    r = aigc_api("speak", "-o", str(out), "--voice", "nova", text)
    assert r.code == 0, r.err
    calls = [q for q in fake.requests if q["path"].endswith("/audio/speech")]
    assert len(calls) == 2 and all(len(c["json"]["input"]) <= 4096 for c in calls)
    assert {c["json"]["voice"] for c in calls} == {"nova"} and {c["json"]["response_format"] for c in calls} == {"wav"}
    sent = sum(len(c["json"]["input"]) for c in calls)
    seconds, _ = _wav(out)
    assert seconds == pytest.approx(sent * openai_media.SECONDS_PER_CHAR, abs=0.01)


def test_api_mp3_is_what_the_server_sent(aigc_api: Aigc, fake: FakeOpenAI, tmp_path: Path) -> None:
    openai_media.install(fake)
    out = tmp_path / "hi.mp3"
    r = aigc_api("speak", "-o", str(out), "Hello world.")
    assert r.code == 0, r.err
    assert out.read_bytes()[:2] == b"\xff\xfb"
    assert fake.requests[-1]["json"]["response_format"] == "mp3"


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--voice", "robot", "hello"], 2, "robot"),
        ([""], 2, "nothing to say"),
        (["--format", "ogg", "hello"], 2, "--format"),
    ],
)
def test_bad_speech_requests_are_one_line_and_leave_no_file(
    aigc_api: Aigc,
    fake: FakeOpenAI,
    tmp_path: Path,
    args: list[str],
    code: int,
    says: str,
) -> None:
    openai_media.install(fake)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "x.mp3"
    r = aigc_api("speak", "-o", str(out), *args)
    assert r.code == code, r.err
    assert says in r.err and "Traceback" not in r.err
    assert list((tmp_path / "out").iterdir()) == []  # no file, no temp file left


def test_an_unwritable_output_leaves_nothing(aigc_api: Aigc, fake: FakeOpenAI, tmp_path: Path) -> None:
    openai_media.install(fake)
    (tmp_path / "file").write_text("x")
    r = aigc_api("speak", "-o", str(tmp_path / "file" / "out.mp3"), "hello")
    assert r.code != 0 and "Traceback" not in r.err and len(r.err.strip().splitlines()) <= 2


def test_no_player_says_how_to_save(aigc_api: Aigc, fake: FakeOpenAI, tmp_path: Path) -> None:
    openai_media.install(fake)
    r = aigc_api("speak", "hello", PATH=str(tmp_path))  # no ffplay, mpv, paplay, aplay or afplay on PATH
    assert r.code == 3 and "-o" in r.err


RECORDER = """import os, shutil, sys, time
d = os.environ["PLAYED_DIR"]
shutil.copy(sys.argv[1], os.path.join(d, "%03d.%s" % (len(os.listdir(d)), sys.argv[1].rsplit(".", 1)[1])))
"""


def _recording_player(aigc_api: Aigc, tmp_path: Path) -> Path:
    """Offline speech played by a recorder (the audio device a test can read): the folder it fills."""
    played = tmp_path / "played"
    played.mkdir()
    recorder = tmp_path / "recorder.py"
    recorder.write_text(RECORDER)
    assert aigc_api("config", "set", "speech.player", f"{sys.executable} {recorder}").code == 0
    assert aigc_api("config", "set", "speech.backend", "local").code == 0
    return played


@needs_espeak
def test_speak_flag_reads_the_answer_sentence_by_sentence(aigc_api: Aigc, fake: FakeOpenAI, tmp_path: Path) -> None:
    played = _recording_player(aigc_api, tmp_path)
    fake.push(Reply(text="First sentence here. Second one follows! 第三句话。", chunk_delay=0.05))
    r = aigc_api("ask", "--speak", "say three things", PLAYED_DIR=str(played))
    assert r.code == 0, r.err
    assert "First sentence here." in r.out  # the text still prints
    files = sorted(played.iterdir())
    assert len(files) == 3 and all(_wav(f)[1] > 200 for f in files)


@needs_espeak
def test_chat_speak_toggles_reading_answers_aloud(chat, aigc_api: Aigc, fake: FakeOpenAI, tmp_path: Path) -> None:
    played = _recording_player(aigc_api, tmp_path)
    c = chat(PLAYED_DIR=str(played))
    c.ready()
    c.say("/speak")
    c.expect("read aloud")
    fake.push(Reply(text="One sentence. Two sentences."))
    c.say("talk to me")
    c.expect("Two sentences")
    c.ready()
    assert len(list(played.iterdir())) == 2
    c.say("/speak")
    c.expect("no longer read aloud")
    fake.push(Reply(text="Silent now."))
    c.say("again")
    c.expect("Silent now")
    c.ready()
    assert len(list(played.iterdir())) == 2


@needs_espeak
def test_doctor_names_the_speech_engines(aigc_api: Aigc) -> None:
    r = aigc_api("doctor", "--offline")
    assert r.code == 0, r.err
    assert "speech" in r.out and "espeak-ng" in r.out and "player" in r.out
