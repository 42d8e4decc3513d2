"""Where somebody speaks: WebRTC voice activity detection, pauses and a robust "any speech?" test.

Pure functions over float32 mono arrays in [-1, 1]. Times are in seconds from the start of the
array. WebRTC VAD (mode 3, the most aggressive) proved robust to background noise where
energy thresholds relative to the loudest frame failed (see notes/prosody.md); it misreads pure
digital zeros, so a fixed, seeded -70 dBFS dither is added before it sees the signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import webrtcvad

from analysis.audio import SAMPLE_RATE

VAD_MODE = 3
VAD_FRAME_S = 0.03  # WebRTC accepts 10, 20 or 30 ms frames; 30 ms is the most reliable.
DITHER_DBFS = -70.0
DITHER_SEED = 0
MERGE_GAP_S = 0.12  # gaps shorter than this inside speech are VAD flicker, not pauses
MIN_REGION_S = 0.09  # isolated speech blips shorter than this are clicks
MIN_PAUSE_S = 0.3
LONG_PAUSE_S = 3.0  # MiiTel: nobody speaks for >= 3 s = 沈黙
SILENCE_FLOOR_DBFS = -100.0

# has_speech(): thresholds of the checks that follow the VAD
MIN_SPEECH_S = 0.3
MIN_VOICED_S = 0.2
MIN_PEAK_DBFS = -55.0
MIN_DYNAMIC_RANGE_DB = 3.0  # white noise: < 1 dB; speech at 5 dB SNR: ~6 dB
VOICING_NACF = 0.5
# The pitch range of a speaking voice (also what analysis.prosody tracks)
F0_MIN_HZ = 65.0  # below the lowest male speaking voice
F0_MAX_HZ = 600.0  # a 400 Hz ceiling mis-tracked a high voice (366 Hz median)

Region = tuple[float, float]


@dataclass(frozen=True)
class Pause:
    """A gap between two speech regions (seconds)."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SpeechCheck:
    """Why :func:`speech_check` decided there is (or is not) speech in a clip."""

    has_speech: bool
    speech_s: float  # total duration of VAD speech regions
    voiced_s: float  # speech frames that are also periodic (a voice, not noise)
    peak_dbfs: float  # 95th percentile of 30 ms frame RMS, dBFS
    dynamic_range_db: float  # 95th - 10th percentile of frame RMS, dB
    reason: str  # "ok" or the first check that failed


def dither(
    samples: np.ndarray, level_dbfs: float = DITHER_DBFS, seed: int = DITHER_SEED
) -> np.ndarray:
    """Add seeded Gaussian noise at ``level_dbfs`` RMS (dBFS, full scale = 1.0).

    Deterministic: the same input always gives the same output.
    """
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(len(samples)).astype(np.float32) * np.float32(
        10.0 ** (level_dbfs / 20.0)
    )
    return np.asarray(samples, dtype=np.float32) + noise


def frame_decisions(
    samples: np.ndarray,
    sr: int = SAMPLE_RATE,
    *,
    mode: int = VAD_MODE,
    frame_s: float = VAD_FRAME_S,
    dither_dbfs: float | None = DITHER_DBFS,
) -> np.ndarray:
    """WebRTC VAD decision per non-overlapping frame (bool array, one per ``frame_s``).

    ``samples``: float mono in [-1, 1] at ``sr`` (8000, 16000, 32000 or 48000 Hz).
    ``mode``: 0 (least) … 3 (most aggressive at rejecting non-speech).
    ``dither_dbfs``: RMS of noise added first so digital zeros are read as silence; ``None``
    to skip.
    """
    x = np.asarray(samples, dtype=np.float32)
    if dither_dbfs is not None:
        x = dither(x, dither_dbfs)
    n = round(sr * frame_s)
    count = len(x) // n
    if count == 0:
        return np.zeros(0, dtype=bool)
    pcm = (np.clip(x[: count * n], -1.0, 1.0) * 32767.0).astype("<i2")
    vad = webrtcvad.Vad(mode)
    buf = pcm.tobytes()
    step = 2 * n
    return np.fromiter(
        (vad.is_speech(buf[i * step : (i + 1) * step], sr) for i in range(count)),
        dtype=bool,
        count=count,
    )


def decisions_to_regions(
    decisions: np.ndarray,
    frame_s: float = VAD_FRAME_S,
    *,
    merge_gap_s: float = MERGE_GAP_S,
    min_region_s: float = MIN_REGION_S,
) -> list[Region]:
    """Turn per-frame booleans into (start, end) regions in seconds.

    Gaps shorter than ``merge_gap_s`` are closed first, then regions shorter than
    ``min_region_s`` are dropped.
    """
    d = np.asarray(decisions, dtype=bool)
    if d.size == 0 or not d.any():
        return []
    padded = np.concatenate([[False], d, [False]]).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    regions: list[list[float]] = []
    for s, e in zip(starts, ends):
        start, end = s * frame_s, e * frame_s
        if regions and start - regions[-1][1] < merge_gap_s:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return [(round(float(s), 3), round(float(e), 3)) for s, e in regions if e - s >= min_region_s]


def speech_regions(
    samples: np.ndarray,
    sr: int = SAMPLE_RATE,
    *,
    mode: int = VAD_MODE,
    merge_gap_s: float = MERGE_GAP_S,
    min_region_s: float = MIN_REGION_S,
) -> list[Region]:
    """Speech regions found by WebRTC VAD (mode 3, dithered).

    Parameters
    ----------
    samples : np.ndarray, shape (n,)
        Float mono in [-1, 1].
    sr : int, default 16000
        Sample rate in Hz: 8000, 16000, 32000 or 48000.
    mode : int, default VAD_MODE
        0 (least) … 3 (most aggressive at rejecting non-speech).
    merge_gap_s : float, default MERGE_GAP_S
        Gaps shorter than this (seconds) are closed.
    min_region_s : float, default MIN_REGION_S
        Regions shorter than this (seconds) are dropped.

    Returns
    -------
    list of (float, float)
        ``(start_s, end_s)`` sorted, non-overlapping; boundaries accurate to about one 30 ms
        frame.
    """
    dec = frame_decisions(samples, sr, mode=mode)
    return decisions_to_regions(
        dec, VAD_FRAME_S, merge_gap_s=merge_gap_s, min_region_s=min_region_s
    )


def pauses(regions: list[Region], *, min_pause_s: float = MIN_PAUSE_S) -> list[Pause]:
    """Gaps between consecutive speech regions.

    Silence before the first and after the last region is not a pause (the person had not
    started / had finished).

    Parameters
    ----------
    regions : list of (float, float)
        Speech regions in seconds, sorted.
    min_pause_s : float, default MIN_PAUSE_S
        Shorter gaps (seconds) are not pauses.

    Returns
    -------
    list of Pause
        ``start``, ``end`` (and ``duration``) in seconds, in order.
    """
    out = []
    for (_, e0), (s1, _) in pairwise(regions):
        if s1 - e0 >= min_pause_s - 1e-9:
            out.append(Pause(round(float(e0), 3), round(float(s1), 3)))
    return out


def total_duration(regions: list[Region]) -> float:
    """Sum of region lengths (seconds)."""
    return float(sum(e - s for s, e in regions))


def frame_rms_db(
    samples: np.ndarray, sr: int = SAMPLE_RATE, frame_s: float = VAD_FRAME_S
) -> np.ndarray:
    """RMS of non-overlapping frames in dBFS (full-scale square wave = 0 dBFS; floor -100)."""
    x = np.asarray(samples, dtype=np.float64)
    n = round(sr * frame_s)
    count = len(x) // n
    if count == 0:
        return np.zeros(0)
    frames = x[: count * n].reshape(count, n)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return np.maximum(20.0 * np.log10(np.maximum(rms, 1e-12)), SILENCE_FLOOR_DBFS)


def frame_periodicity(
    samples: np.ndarray,
    sr: int = SAMPLE_RATE,
    frame_s: float = VAD_FRAME_S,
    *,
    fmin: float = F0_MIN_HZ,
    fmax: float = F0_MAX_HZ,
) -> np.ndarray:
    """Peak normalised autocorrelation (0–1) per frame for lags of ``fmin``–``fmax`` Hz.

    Voiced speech gives ≥ 0.6; white noise about 0.1–0.3. Frames are ``frame_s`` long but the
    analysis window is extended to two periods of ``fmin`` so that low voices are seen.
    """
    x = np.asarray(samples, dtype=np.float64)
    hop = round(sr * frame_s)
    win = max(hop, int(np.ceil(2 * sr / fmin)))
    count = len(x) // hop
    if count == 0:
        return np.zeros(0)
    x = np.pad(x, (0, win))
    idx = np.arange(count)[:, None] * hop + np.arange(win)[None, :]
    frames = x[idx]
    frames = frames - frames.mean(axis=1, keepdims=True)
    nfft = 1 << int(np.ceil(np.log2(2 * win)))
    spec = np.fft.rfft(frames, nfft, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, nfft, axis=1)[:, :win]
    lo, hi = int(sr / fmax), min(int(sr / fmin) + 1, win - 1)
    # unbiased normalisation: each lag has win - lag overlapping samples
    energy0 = ac[:, :1]
    norm = ac[:, lo:hi] / np.maximum(energy0, 1e-12) * (win / (win - np.arange(lo, hi)))[None, :]
    return np.clip(norm.max(axis=1), 0.0, 1.0)


def speech_check(
    samples: np.ndarray,
    sr: int = SAMPLE_RATE,
    regions: list[Region] | None = None,
    *,
    min_speech_s: float = MIN_SPEECH_S,
    min_voiced_s: float = MIN_VOICED_S,
    min_peak_dbfs: float = MIN_PEAK_DBFS,
    min_dynamic_range_db: float = MIN_DYNAMIC_RANGE_DB,
    voicing_nacf: float = VOICING_NACF,
) -> SpeechCheck:
    """Decide whether a clip holds speech, with the reasons.

    All must hold: the VAD found ≥ ``min_speech_s`` of speech; loud frames reach
    ``min_peak_dbfs`` (faint hiss is not speech); frame energy varies by ≥
    ``min_dynamic_range_db`` (speech comes in syllables; steady noise or hum does not); ≥
    ``min_voiced_s`` of the VAD's speech frames are periodic (a voice has a pitch, noise
    has none).

    Parameters
    ----------
    samples : np.ndarray, shape (n,)
        Float mono in [-1, 1].
    sr : int, default 16000
        Sample rate in Hz.
    regions : list of (float, float), optional
        Speech regions in seconds if already computed (else :func:`speech_regions`).
    min_speech_s, min_voiced_s : float
        Seconds of speech / of voiced speech frames needed.
    min_peak_dbfs : float
        Level in dBFS (≤ 0) the loudest frames must reach.
    min_dynamic_range_db : float
        Spread of frame levels in dB needed.
    voicing_nacf : float
        Normalised autocorrelation (0–1) above which a frame counts as voiced.

    Returns
    -------
    SpeechCheck
        ``has_speech``, the measured quantities (seconds, dBFS, dB) and ``reason`` (why not).
    """
    if regions is None:
        regions = speech_regions(samples, sr)
    speech_s = total_duration(regions)
    db = frame_rms_db(samples, sr)
    if db.size == 0:
        return SpeechCheck(False, 0.0, 0.0, SILENCE_FLOOR_DBFS, 0.0, "too_short")
    peak = float(np.percentile(db, 95))
    dyn = float(peak - np.percentile(db, 10))
    voiced_s = 0.0
    if speech_s >= min_speech_s and peak >= min_peak_dbfs:
        mask = np.zeros(db.size, dtype=bool)
        for s, e in regions:
            mask[int(s / VAD_FRAME_S) : int(np.ceil(e / VAD_FRAME_S))] = True
        per = frame_periodicity(samples, sr)
        voiced_s = float(np.count_nonzero(mask & (per >= voicing_nacf)) * VAD_FRAME_S)
    if speech_s < min_speech_s:
        reason = "no_vad_speech"
    elif peak < min_peak_dbfs:
        reason = "too_quiet"
    elif dyn < min_dynamic_range_db:
        reason = "steady_noise"
    elif voiced_s < min_voiced_s:
        reason = "not_voiced"
    else:
        reason = "ok"
    return SpeechCheck(
        reason == "ok",
        round(speech_s, 3),
        round(voiced_s, 3),
        round(peak, 2),
        round(dyn, 2),
        reason,
    )


def has_speech(
    samples: np.ndarray, sr: int = SAMPLE_RATE, regions: list[Region] | None = None
) -> bool:
    """True when the clip holds speech (see :func:`speech_check` for the rules)."""
    return speech_check(samples, sr, regions).has_speech
