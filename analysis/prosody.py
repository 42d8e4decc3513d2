"""How an answer sounds: pitch (F0), pace, pauses and loudness.

Pure functions over float32 mono arrays at 16 kHz and over VAD speech regions (seconds).
Pitch uses librosa's probabilistic YIN, tuned per notes/prosody.md: a frame of two periods of
the lowest pitch (512 samples at 16 kHz instead of 2048, which blurs pitch and marks short
silences voiced), a 65–600 Hz search range, a 20 ms hop and 0.2-semitone bins refined by yin (see
bench/bench_pitch.py: ≥ 7× faster than librosa's example settings, a few cents from Praat).
Praat (parselmouth, GPL) is used only by the benchmark and tests, never at run time.

Units: Hz for pitch, semitones (st, 12 per octave) for spread and range, seconds for times,
dBFS = 20·log10(RMS) with full scale 1.0 (a full-scale sine is −3 dBFS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from analysis.audio import SAMPLE_RATE
from analysis.vad import (
    F0_MAX_HZ,
    F0_MIN_HZ,
    LONG_PAUSE_S,
    MIN_PAUSE_S,
    SILENCE_FLOOR_DBFS,
    Pause,
    Region,
    frame_rms_db,
)
from analysis.vad import (
    pauses as find_pauses,
)

PYIN_FRAME = 512  # two periods of F0_MIN_HZ at 16 kHz (2 × 246 samples, next power of two)
PYIN_HOP = 320  # 20 ms
PYIN_RESOLUTION = 0.2  # st per bin; Viterbi cost grows with bins²; 0.25 lost low-voice frames
REFINE_MAX_ST = 0.5  # pyin's bins are quantised; take yin's continuous estimate when this close
REGION_PAD_S = 0.05
PITCH_JOIN_GAP_S = 1.0  # speech regions closer than this share one pyin call  # pitch is tracked in speech regions padded by this much
OUTLIER_ST = 6.0  # a voiced frame this far from the median of its neighbours is dropped …
OUTLIER_WINDOW_S = 0.05  # … its neighbours being the voiced frames within ± this
CONTOUR_STEP_S = 0.05  # chart contour resolution
SPEAKING_GAP_S = 0.2  # gaps at least this long are not speaking time (longer than a ッ)
NOISE_PERCENTILE = 10.0  # noise floor = this percentile of non-speech frame energy
MIN_NOISE_FRAMES = 5


@dataclass
class PitchTrack:
    """F0 per frame: ``times`` (s), ``f0`` (Hz, NaN where unvoiced)."""

    times: np.ndarray
    f0: np.ndarray

    @property
    def voiced(self) -> np.ndarray:
        return np.isfinite(self.f0)


@dataclass
class PitchStats:
    """Summary of a pitch track over voiced frames."""

    median_hz: float | None
    sd_st: float | None  # RMS deviation from the median, semitones
    range_st: float | None  # 5th–95th percentile, semitones
    voiced_s: float
    contour_times: list[float] = field(default_factory=list)
    contour_hz: list[float | None] = field(default_factory=list)


@dataclass
class Pace:
    """Speaking rate."""

    morae_per_s_span: float | None  # over first-to-last speech (perceived tempo)
    morae_per_s_speaking: float | None  # gaps ≥ SPEAKING_GAP_S removed
    chars_per_min: float | None  # characters (no punctuation) per minute of speech span
    span_s: float
    speaking_s: float


@dataclass
class PauseStats:
    """Pauses between speech regions."""

    pauses: list[Pause]  # all ≥ min_pause_s, in order
    count: int
    long_count: int  # ≥ LONG_PAUSE_S (MiiTel 沈黙)
    longest_s: float
    ratio: float  # pause time / speech span (0–1)


@dataclass
class Loudness:
    """Level of the speech and of the background."""

    speech_dbfs: float | None
    noise_floor_dbfs: float
    snr_db: float | None


# ---------------------------------------------------------------------------------------------
# Pitch
# ---------------------------------------------------------------------------------------------
def pitch_track(
    samples: np.ndarray,
    sr: int = SAMPLE_RATE,
    regions: list[Region] | None = None,
    *,
    fmin: float = F0_MIN_HZ,
    fmax: float = F0_MAX_HZ,
    frame_length: int = PYIN_FRAME,
    hop_length: int = PYIN_HOP,
    resolution: float = PYIN_RESOLUTION,
    pad_s: float = REGION_PAD_S,
    refine: bool = True,
) -> PitchTrack:
    """F0 with ``librosa.pyin`` over the speech regions (or the whole signal).

    pyin decides voicing and picks a pitch bin (``resolution`` semitones wide, so its values
    are quantised to a 20-cent grid at 0.2). With ``refine`` each voiced frame takes
    ``librosa.yin``'s continuous (parabolically interpolated) estimate from the same frame when
    it lies within ``REFINE_MAX_ST`` of pyin's bin; otherwise pyin's value stays.

    Parameters
    ----------
    samples : np.ndarray, shape (n,)
        Float mono in [-1, 1].
    sr : int, default 16000
        Sample rate in Hz.
    regions : list of (float, float), optional
        Speech regions in seconds, each padded by ``pad_s``; frames outside are not analysed
        (and do not appear in the track). ``None``: the whole signal.
    fmin, fmax : float
        Search range in Hz (65–600 by default: the lowest male to a high female voice).
    frame_length, hop_length : int
        pyin frame and hop in samples (512 and 320 = 20 ms at 16 kHz).
    resolution : float
        pyin bin width in semitones.
    pad_s : float
        Padding around each region in seconds.
    refine : bool
        Take yin's continuous estimate where it agrees with pyin.

    Returns
    -------
    PitchTrack
        Frame times in seconds and F0 in Hz (NaN where unvoiced).
    """
    import librosa  # heavy import, kept local so `analysis` imports fast

    x = np.asarray(samples, dtype=np.float32)
    if regions is None:
        regions = [(0.0, len(x) / sr)]
    times, f0s = [], []
    for start, end in _pitch_spans(regions):
        a = max(0, int((start - pad_s) * sr))
        b = min(len(x), int(np.ceil((end + pad_s) * sr)))
        if b - a < hop_length:
            continue
        f0, _, _ = librosa.pyin(
            x[a:b],
            fmin=fmin,
            fmax=fmax,
            sr=sr,
            frame_length=frame_length,
            hop_length=hop_length,
            resolution=resolution,
            center=True,
        )
        if refine and np.isfinite(f0).any():
            fine = librosa.yin(
                x[a:b],
                fmin=fmin,
                fmax=fmax,
                sr=sr,
                frame_length=frame_length,
                hop_length=hop_length,
                center=True,
            )[: len(f0)]
            close = np.isfinite(f0) & (
                np.abs(12 * np.log2(fine / np.where(np.isfinite(f0), f0, 1.0))) <= REFINE_MAX_ST
            )
            f0 = np.where(close, fine, f0)
        t = a / sr + np.arange(len(f0)) * hop_length / sr
        keep = (t >= start - 1e-9) & (t <= end + 1e-9)
        times.append(t[keep])
        f0s.append(f0[keep])
    if not times:
        return PitchTrack(np.zeros(0), np.zeros(0))
    return PitchTrack(np.concatenate(times), np.concatenate(f0s).astype(np.float64))


def _pitch_spans(regions: list[Region], join_gap_s: float = PITCH_JOIN_GAP_S) -> list[Region]:
    """Regions closer than ``join_gap_s`` are tracked in one pyin call (each call has a fixed
    cost of about 12 ms; pyin marks the short gaps unvoiced by itself)."""
    spans: list[list[float]] = []
    for s, e in regions:
        if spans and s - spans[-1][1] < join_gap_s:
            spans[-1][1] = e
        else:
            spans.append([s, e])
    return [(s, e) for s, e in spans]


def semitones(f0: np.ndarray, ref_hz: float) -> np.ndarray:
    """Semitones of ``f0`` (Hz) relative to ``ref_hz``."""
    return 12.0 * np.log2(np.asarray(f0, dtype=np.float64) / ref_hz)


def remove_outliers(
    track: PitchTrack, *, max_jump_st: float = OUTLIER_ST, window_s: float = OUTLIER_WINDOW_S
) -> PitchTrack:
    """Drop isolated voiced frames: those > ``max_jump_st`` from the median of the voiced
    frames within ± ``window_s`` (octave jumps), and voiced frames with no voiced neighbour.

    Real sentence-final falls are kept: they move gradually, so their neighbours follow them.
    """
    f0 = track.f0.copy()
    t = track.times
    voiced = np.flatnonzero(np.isfinite(f0))
    if voiced.size == 0:
        return PitchTrack(t, f0)
    vt, vf = t[voiced], np.log2(f0[voiced]) * 12.0
    lo = np.searchsorted(vt, vt - window_s - 1e-9, side="left")
    hi = np.searchsorted(vt, vt + window_s + 1e-9, side="right")
    drop = []
    for k in range(voiced.size):
        neigh = np.concatenate([vf[lo[k] : k], vf[k + 1 : hi[k]]])
        if neigh.size == 0 or abs(vf[k] - np.median(neigh)) > max_jump_st:
            drop.append(voiced[k])
    f0[drop] = np.nan
    return PitchTrack(t, f0)


def contour(
    track: PitchTrack, *, step_s: float = CONTOUR_STEP_S
) -> tuple[list[float], list[float | None]]:
    """Downsampled contour for charts: bin centres (s) and median Hz per bin (``None`` when
    the bin has no voiced frame). Bins span the track's first to last frame."""
    if track.times.size == 0:
        return [], []
    t0 = np.floor(track.times[0] / step_s) * step_s
    idx = ((track.times - t0) / step_s).astype(int)
    n = int(idx.max()) + 1
    times, hz = [], []
    for b in range(n):
        sel = track.f0[(idx == b)]
        sel = sel[np.isfinite(sel)]
        if sel.size == 0 and times and hz[-1] is None:
            continue  # collapse runs of unvoiced bins into one gap marker
        times.append(round(float(t0 + (b + 0.5) * step_s), 3))
        hz.append(round(float(np.median(sel)), 1) if sel.size else None)
    return times, hz


def pitch_stats(track: PitchTrack, *, hop_s: float = PYIN_HOP / SAMPLE_RATE) -> PitchStats:
    """Pitch level and spread of a track.

    Parameters
    ----------
    track : PitchTrack
        F0 in Hz per frame (NaN = unvoiced), usually after :func:`remove_outliers`.
    hop_s : float
        Seconds per frame (for the voiced time).

    Returns
    -------
    PitchStats
        Median F0 (Hz), spread = RMS deviation from the median (semitones), range = 5th–95th
        percentile (semitones) and voiced seconds; ``None`` values without voiced frames.
    """
    f0 = track.f0[np.isfinite(track.f0)]
    times, hz = contour(track)
    if f0.size < 3:
        return PitchStats(None, None, None, round(f0.size * hop_s, 3), times, hz)
    med = float(np.median(f0))
    st = semitones(f0, med)
    return PitchStats(
        median_hz=round(med, 2),
        sd_st=round(float(np.sqrt(np.mean(st**2))), 3),
        range_st=round(float(np.percentile(st, 95) - np.percentile(st, 5)), 3),
        voiced_s=round(f0.size * hop_s, 3),
        contour_times=times,
        contour_hz=hz,
    )


# ---------------------------------------------------------------------------------------------
# Pace and pauses
# ---------------------------------------------------------------------------------------------
def speaking_time(regions: list[Region], *, min_gap_s: float = SPEAKING_GAP_S) -> float:
    """Seconds from the first to the last speech minus every gap ≥ ``min_gap_s``."""
    if not regions:
        return 0.0
    total = regions[-1][1] - regions[0][0]
    for (_, e0), (s1, _) in pairwise(regions):
        if s1 - e0 >= min_gap_s:
            total -= s1 - e0
    return float(total)


def pace(
    morae: int, chars: int, regions: list[Region], *, min_gap_s: float = SPEAKING_GAP_S
) -> Pace:
    """Speaking rate.

    Norms (notes/domain.md): NTT normal 6–7 morae/s, fast 9–10, slow < 5; NHK ~300 chars/min.

    Parameters
    ----------
    morae : int
        Morae in the transcript (:func:`analysis.reading.count_morae`), ≥ 0.
    chars : int
        Characters without punctuation (:func:`analysis.reading.count_chars`), ≥ 0.
    regions : list of (float, float)
        Speech regions in seconds.
    min_gap_s : float, default SPEAKING_GAP_S
        Gaps of at least this many seconds do not count as speaking time.

    Returns
    -------
    Pace
        Morae per second over the speech span (first to last speech) and over speaking time,
        characters per minute, and both durations in seconds; ``None`` rates without speech.
    """
    if not regions:
        return Pace(None, None, None, 0.0, 0.0)
    span = regions[-1][1] - regions[0][0]
    speaking = speaking_time(regions, min_gap_s=min_gap_s)
    return Pace(
        morae_per_s_span=round(morae / span, 3) if span > 0 else None,
        morae_per_s_speaking=round(morae / speaking, 3) if speaking > 0 else None,
        chars_per_min=round(chars / span * 60.0, 1) if span > 0 else None,
        span_s=round(span, 3),
        speaking_s=round(speaking, 3),
    )


def pause_stats(
    regions: list[Region], *, min_pause_s: float = MIN_PAUSE_S, long_pause_s: float = LONG_PAUSE_S
) -> PauseStats:
    """Pauses between speech regions.

    Parameters
    ----------
    regions : list of (float, float)
        Speech regions in seconds, sorted.
    min_pause_s : float, default MIN_PAUSE_S
        Shortest gap (seconds) that counts as a pause.
    long_pause_s : float, default LONG_PAUSE_S
        A pause at least this long (3 s: MiiTel's 沈黙) is a long pause.

    Returns
    -------
    PauseStats
        The pauses, their count, the long ones' count, the longest (seconds) and the share of
        the speech span spent pausing (0–1).
    """
    ps = find_pauses(regions, min_pause_s=min_pause_s)
    span = regions[-1][1] - regions[0][0] if regions else 0.0
    total = sum(p.duration for p in ps)
    return PauseStats(
        pauses=ps,
        count=len(ps),
        long_count=sum(1 for p in ps if p.duration >= long_pause_s - 1e-9),
        longest_s=round(max((p.duration for p in ps), default=0.0), 3),
        ratio=round(total / span, 4) if span > 0 else 0.0,
    )


# ---------------------------------------------------------------------------------------------
# Loudness
# ---------------------------------------------------------------------------------------------
def rms_dbfs(x: np.ndarray) -> float:
    """RMS level in dBFS (floor −100)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return SILENCE_FLOOR_DBFS
    rms = float(np.sqrt(np.mean(x**2)))
    return float(max(20.0 * np.log10(max(rms, 1e-12)), SILENCE_FLOOR_DBFS))


def loudness(
    samples: np.ndarray,
    regions: list[Region],
    sr: int = SAMPLE_RATE,
    *,
    noise_percentile: float = NOISE_PERCENTILE,
    frame_s: float = 0.03,
) -> Loudness:
    """Speech level, noise floor and signal-to-noise ratio.

    Parameters
    ----------
    samples : np.ndarray, shape (n,)
        Float mono in [-1, 1].
    regions : list of (float, float)
        Speech regions in seconds.
    sr : int, default 16000
        Sample rate in Hz.
    noise_percentile : float, default NOISE_PERCENTILE
        Percentile (0–100) of the 30 ms frame levels outside speech taken as the noise floor
        (of all frames when there is too little non-speech).
    frame_s : float, default 0.03
        Frame length in seconds.

    Returns
    -------
    Loudness
        Speech level (RMS over the speech regions, dBFS, floor −100), noise floor (dBFS) and
        SNR = speech level − noise floor (dB).
    """
    x = np.asarray(samples, dtype=np.float64)
    mask = np.zeros(len(x), dtype=bool)
    for s, e in regions:
        mask[int(s * sr) : int(e * sr)] = True
    speech = rms_dbfs(x[mask]) if mask.any() else None
    db = frame_rms_db(x, sr, frame_s)
    n = round(frame_s * sr)
    frame_speech = (
        mask[: db.size * n].reshape(db.size, n).any(axis=1) if db.size else np.zeros(0, bool)
    )
    quiet = db[~frame_speech]
    pool = quiet if quiet.size >= MIN_NOISE_FRAMES else db
    floor = float(np.percentile(pool, noise_percentile)) if pool.size else SILENCE_FLOOR_DBFS
    return Loudness(
        speech_dbfs=round(speech, 2) if speech is not None else None,
        noise_floor_dbfs=round(floor, 2),
        snr_db=round(speech - floor, 2) if speech is not None else None,
    )
