"""Audio input: read a recorded answer, check it, and bring it to 16 kHz mono float32.

Every later stage (VAD, Whisper, prosody) works on the array returned by :func:`load_audio`, so
the one resampling step of the whole pipeline happens here (the resampling method changes
Whisper's transcript slightly: resample once, in one place).

Decoding uses libsndfile through ``soundfile`` (WAV, FLAC, OGG/Vorbis/Opus, MP3); there is no
ffmpeg. Whatever goes wrong while reading becomes an :class:`AudioError` with a Japanese and an
English message, never a raw traceback. Detecting "no speech" is not done here (see the VAD).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

from analysis.errors import AnalysisError

# Hard-coded audio hyperparameters
SAMPLE_RATE = 16000  # Hz, what Whisper and the VAD expect
MIN_SECONDS = 0.5  # shorter clips cannot hold an answer
DEFAULT_MAX_SECONDS = 300.0  # five minutes
MIN_INPUT_SAMPLE_RATE = 8000  # Hz, telephone quality; below this speech is not intelligible
MAX_INPUT_SAMPLE_RATE = 384000  # Hz
RESAMPLE_QUALITY = "soxr_hq"  # the same filter as librosa.resample(res_type="soxr_hq")
SUPPORTED_FORMATS = ("WAV", "FLAC", "OGG", "MP3")  # what we promise; libsndfile reads more

# Clipping detection (on the original samples, before resampling)
CLIP_LEVEL = 0.999  # |x| at or above this is "at full scale"
FLAT_RUN_MIN = 3  # this many identical consecutive samples form a flat top ...
FLAT_LEVEL = 0.25  # ... when they are at least this loud (a clipped clip turned down)

_MESSAGES: dict[str, tuple[str, str]] = {
    "not_found": (
        "音声ファイルが見つかりません。",
        "The audio file was not found.",
    ),
    "unreadable": (
        (
            "音声ファイルを読み込めませんでした。ファイルが壊れているか、途中で切れている可能性があります。"
            "もう一度録音してください。"
        ),
        "The audio file could not be read. It may be damaged or truncated. Please record again.",
    ),
    "unsupported": (
        f"対応していない音声形式です。{'・'.join(SUPPORTED_FORMATS)} のいずれかを使ってください。",
        (
            f"Unsupported audio format. Please use {', '.join(SUPPORTED_FORMATS[:-1])} or "
            f"{SUPPORTED_FORMATS[-1]}."
        ),
    ),
    "unsupported_rate": (
        "サンプリングレート {sr} Hz の音声には対応していません（8 kHz 以上が必要です）。",
        "A sample rate of {sr} Hz is not supported (8 kHz or more is needed).",
    ),
    "empty": (
        "音声ファイルに音声データが入っていません。もう一度録音してください。",
        "The audio file contains no audio data. Please record again.",
    ),
    "too_short": (
        "録音が短すぎます（{seconds:.1f} 秒）。{min_seconds:.1f} 秒以上話してください。",
        (
            "The recording is too short ({seconds:.1f} s). Please speak for at least "
            "{min_seconds:.1f} s."
        ),
    ),
    "too_long": (
        "録音が長すぎます（{seconds:.0f} 秒）。{max_seconds:.0f} 秒以内にしてください。",
        "The recording is too long ({seconds:.0f} s). Please keep it under {max_seconds:.0f} s.",
    ),
}


class AudioError(AnalysisError, ValueError):
    """A recording that cannot be analysed, with a message for the trainee in two languages.

    code: machine-readable reason: "not_found", "unreadable", "unsupported", "empty",
        "too_short" or "too_long".
    ``str(error)`` is the Japanese message; ``error.message("en")`` the English.
    """

    MESSAGES = _MESSAGES


@dataclass
class Audio:
    """A decoded recording.

    samples: float32, mono, SAMPLE_RATE Hz, shape (n,).
    duration_s: n / SAMPLE_RATE, in seconds.
    original_sr: the file's sample rate in Hz.
    channels: the file's channel count (before mixing to mono).
    clipping_ratio: share (0..1) of original samples at or near full scale or inside flat-topped
        runs, measured before mixing and resampling (the worst channel).
    """

    samples: np.ndarray
    duration_s: float
    original_sr: int
    channels: int
    clipping_ratio: float


def clipping_ratio(x: np.ndarray) -> float:
    """Share of samples that look clipped.

    A sample counts when ``|x| >= CLIP_LEVEL``, or when it is part of a run of
    ``>= FLAT_RUN_MIN`` identical samples with ``|x| >= FLAT_LEVEL`` (a clipped clip turned
    down). Measured before resampling.

    Parameters
    ----------
    x : np.ndarray, shape (n,) or (n, channels)
        Float samples in [-1, 1].

    Returns
    -------
    float
        0–1; for several channels the worst channel counts; 0 for an empty array.
    """
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    n = x.shape[0]
    if n == 0:
        return 0.0
    worst = 0.0
    for ch in x.T:
        mask = np.abs(ch) >= CLIP_LEVEL
        starts = np.concatenate(([0], np.flatnonzero(ch[1:] != ch[:-1]) + 1))
        lengths = np.diff(np.append(starts, n))
        flat = (lengths >= FLAT_RUN_MIN) & (np.abs(ch[starts]) >= FLAT_LEVEL)
        mask |= np.repeat(flat, lengths)
        worst = max(worst, float(mask.mean()))
    return worst


def resample(x: np.ndarray, sr: int) -> np.ndarray:
    """Resample mono audio to :data:`SAMPLE_RATE` with the soxr HQ filter.

    Parameters
    ----------
    x : np.ndarray, shape (n,)
        Float samples in [-1, 1].
    sr : int
        Their sample rate in Hz (> 0).

    Returns
    -------
    np.ndarray, shape (ceil(n * SAMPLE_RATE / sr),), float32
        The same duration at 16 kHz (``x`` itself, as float32, when ``sr`` is already 16 kHz).
    """
    x = np.asarray(x, dtype=np.float32)
    if sr == SAMPLE_RATE:
        return x
    n_out = int(np.ceil(len(x) * SAMPLE_RATE / sr))
    y = soxr.resample(x, sr, SAMPLE_RATE, quality=RESAMPLE_QUALITY)
    if len(y) < n_out:
        y = np.pad(y, (0, n_out - len(y)))
    return np.ascontiguousarray(y[:n_out], dtype=np.float32)


def _open(source: str | Path | bytes | BinaryIO) -> sf.SoundFile:
    """Open ``source`` with libsndfile, turning every failure into an AudioError."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise AudioError.make("unreadable", "not_found")
        if path.stat().st_size == 0:
            raise AudioError.make("empty")
        target: object = str(path)
    else:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = source
        else:
            if getattr(source, "seekable", lambda: False)():
                source.seek(0)  # e.g. an upload that was already played back once
            data = source.read()
        if not data:
            raise AudioError.make("empty")
        target = io.BytesIO(bytes(data))
    try:
        return sf.SoundFile(target)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, OSError, EOFError) as e:
        text = str(e).lower()
        if "not recogni" in text or "unknown format" in text or "unsupported" in text:
            raise AudioError.make("unsupported") from e
        raise AudioError.make("unreadable") from e


def load_audio(
    source: str | Path | bytes | BinaryIO, *, max_seconds: float = DEFAULT_MAX_SECONDS
) -> Audio:
    """Read a WAV/FLAC/OGG/MP3 recording into 16 kHz mono float32.

    Parameters
    ----------
    source : str, Path, bytes or binary file object
        A path, the file's bytes, or a binary file object (e.g. a Streamlit upload).
    max_seconds : float, default DEFAULT_MAX_SECONDS
        Longer recordings are refused, from the header when possible (before decoding).

    Returns
    -------
    Audio
        ``samples`` (float32, shape (n,), in [-1, 1], at :data:`SAMPLE_RATE` Hz), the
        original rate and channels, the duration in seconds and the clipping ratio (0–1,
        measured before resampling).

    Raises
    ------
    AudioError
        Unreadable, unsupported, empty, truncated, too short (< MIN_SECONDS) or too long input.
    """
    with _open(source) as f:
        sr, channels, frames = int(f.samplerate), int(f.channels), int(f.frames)
        if channels < 1:
            raise AudioError.make("empty")
        if not MIN_INPUT_SAMPLE_RATE <= sr <= MAX_INPUT_SAMPLE_RATE:
            raise AudioError.make("unsupported", "unsupported_rate", sr=sr)
        if frames > 0 and frames / sr > max_seconds:
            raise AudioError.make("too_long", seconds=frames / sr, max_seconds=max_seconds)
        try:
            # Read at most one frame past the limit: a header may understate the length.
            limit = int(max_seconds * sr) + 1
            raw = f.read(frames=limit, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError, ValueError, OSError, EOFError) as e:
            raise AudioError.make("unreadable") from e

    if raw.shape[0] == 0:
        raise AudioError.make("empty")
    if raw.shape[0] / sr > max_seconds:
        raise AudioError.make("too_long", seconds=raw.shape[0] / sr, max_seconds=max_seconds)
    raw = np.nan_to_num(raw, nan=0.0, posinf=1.0, neginf=-1.0)

    ratio = clipping_ratio(raw)
    mono = raw.mean(axis=1) if channels > 1 else raw[:, 0]
    samples = resample(mono, sr)
    duration = len(samples) / SAMPLE_RATE
    if duration < MIN_SECONDS:
        raise AudioError.make("too_short", seconds=duration, min_seconds=MIN_SECONDS)
    return Audio(
        samples=samples,
        duration_s=duration,
        original_sr=sr,
        channels=channels,
        clipping_ratio=ratio,
    )
