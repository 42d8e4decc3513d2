"""Japanese speech recognition with Whisper, offline, with two interchangeable engines.

- ``faster-whisper``: CTranslate2, int8 on CPU (the default; several times faster).
- ``openai-whisper``: PyTorch, fp32, on a checkpoint converted losslessly from the same weights.

Both decode Japanese with word timestamps, the same options and the same short filler prompt
(so that えーと/あのー keep their spelling). The decoder is never biased with rubric phrases:
it must not "hear" what was not said. Whisper invents text in silence, so callers pass the
speech regions their VAD found: segments outside them are dropped, and with no speech at all
Whisper is not run.

Input is the 16 kHz mono float32 array from :func:`analysis.audio.load_audio`.
"""

from __future__ import annotations

import os
import threading
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from analysis.audio import SAMPLE_RATE
from analysis.convert import alignment_heads_dump, official_alignment_heads
from analysis.modelpack import BASE_MODEL_SHA256, ModelPackError, file_sha256
from analysis.resolve import DEFAULT_ENGINE, ENGINES, FASTER_WHISPER, resolve_model

LANGUAGE = "ja"
FILLER_PROMPT = "えーと、あのー、まあ、"  # ≤ 32 characters: longer prompts lose sentences
TEMPERATURE = 0.0  # no sampling fallback: the same recording always gives the same text
CONDITION_ON_PREVIOUS_TEXT = False  # a misheard window must not steer the next one
FW_COMPUTE_TYPE = "int8"
# Guards against text invented where nobody speaks (used when speech regions are given)
TAIL_PAD_S = 0.3  # keep this much audio after the last speech region, cut the rest
END_SLACK_S = 0.3  # stop decoding once a segment ends this close to the last speech
MIN_OVERLAP_FRACTION = 0.5  # a kept segment lies at least half inside speech ...
MIN_OVERLAP_S = 1.0  # ... or shares at least this many seconds with it
MAX_COMPRESSION_RATIO = 2.4  # Whisper's own "repetition loop" criterion (gzip ratio of text)


@dataclass
class Word:
    """One recognised word; start/end in seconds from the start of the clip."""

    start: float
    end: float
    word: str
    probability: float


@dataclass
class Segment:
    """One decoded segment; start/end in seconds. avg_logprob: mean token log-probability;
    no_speech_prob: the model's probability that the window held no speech."""

    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass
class Transcript:
    """The kept segments and their joined text.

    engine: one of ENGINES. model_sha256: SHA-256 of the weights' source file (model.bin for
    a CTranslate2 folder, also when openai-whisper ran on its conversion; the .pt otherwise).
    """

    text: str
    segments: list[Segment]
    engine: str
    model_sha256: str
    language: str = LANGUAGE


# --------------------------------------------------------------------------- model loading


def _threads(threads: int) -> int:
    """0 means one thread per CPU core."""
    return threads if threads > 0 else max(1, os.cpu_count() or 1)


@dataclass
class _Loaded:
    model: object
    lock: threading.Lock


@lru_cache(maxsize=4)
def load_model(engine: str, path: str, threads: int) -> _Loaded:
    """Load a model once per process (keyed on engine, resolved path and thread count).

    faster-whisper: a CTranslate2 folder, int8 on CPU, never reaching for the hub.
    openai-whisper: a checkpoint {"dims", "model_state_dict"[, "alignment_heads"]}, fp32 CPU.
    """
    if engine == FASTER_WHISPER:
        from faster_whisper import WhisperModel

        model = WhisperModel(
            path,
            device="cpu",
            compute_type=FW_COMPUTE_TYPE,
            cpu_threads=threads,
            local_files_only=True,
        )
        return _Loaded(model, threading.Lock())

    import torch
    import whisper

    torch.set_num_threads(threads)
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    dims = whisper.model.ModelDimensions(**checkpoint["dims"])
    model = whisper.model.Whisper(dims)
    model.load_state_dict(checkpoint["model_state_dict"])  # strict
    heads = checkpoint.get("alignment_heads")
    if heads:
        model.set_alignment_heads(alignment_heads_dump(heads, dims.n_text_layer, dims.n_text_head))
    elif (dump := official_alignment_heads(checkpoint["dims"])) is not None:
        model.set_alignment_heads(dump)
    model = model.float().eval()
    return _Loaded(model, threading.Lock())


@lru_cache(maxsize=8)
def _source_sha256(engine: str, model_path: str | None, cache_dir: str) -> str:
    if model_path is None:
        return BASE_MODEL_SHA256  # checked by ensure_base_model
    p = Path(model_path).expanduser()
    target = p / "model.bin" if p.is_dir() else p
    if not target.is_file():
        raise ModelPackError.make("not_found", path=p)
    return file_sha256(target)


# --------------------------------------------------------------------------- decoding


def _run_faster(
    loaded: _Loaded, samples: np.ndarray, beam_size: int, stop_after: float | None
) -> list[Segment]:
    """Decode with faster-whisper. Its segments come from a generator, window by window: once
    a segment ends at ``stop_after`` (seconds) or later, the rest is not decoded at all."""
    segments, _info = loaded.model.transcribe(
        samples,
        language=LANGUAGE,
        task="transcribe",
        beam_size=beam_size,
        temperature=TEMPERATURE,
        condition_on_previous_text=CONDITION_ON_PREVIOUS_TEXT,
        initial_prompt=FILLER_PROMPT,
        word_timestamps=True,
        vad_filter=False,
    )
    out = []
    for s in segments:  # a generator: decoding happens here
        out.append(
            Segment(
                start=float(s.start),
                end=float(s.end),
                text=s.text.strip(),
                words=[
                    Word(float(w.start), float(w.end), w.word, float(w.probability))
                    for w in (s.words or [])
                ],
                avg_logprob=float(s.avg_logprob),
                no_speech_prob=float(s.no_speech_prob),
            )
        )
        if stop_after is not None and s.end >= stop_after:
            break
    return out


def _run_openai(
    loaded: _Loaded, samples: np.ndarray, beam_size: int, stop_after: float | None
) -> list[Segment]:
    """Decode with openai-whisper (all windows; ``stop_after`` cannot be honoured)."""
    import whisper

    result = whisper.transcribe(
        loaded.model,
        samples,
        verbose=None,
        language=LANGUAGE,
        task="transcribe",
        beam_size=beam_size if beam_size > 1 else None,  # None = greedy, as faster-whisper's 1
        temperature=TEMPERATURE,
        condition_on_previous_text=CONDITION_ON_PREVIOUS_TEXT,
        initial_prompt=FILLER_PROMPT,
        word_timestamps=True,
        fp16=False,
    )
    return [
        Segment(
            start=float(s["start"]),
            end=float(s["end"]),
            text=s["text"].strip(),
            words=[
                Word(float(w["start"]), float(w["end"]), w["word"], float(w["probability"]))
                for w in s.get("words", [])
            ],
            avg_logprob=float(s["avg_logprob"]),
            no_speech_prob=float(s["no_speech_prob"]),
        )
        for s in result["segments"]
    ]


def speech_overlap(start: float, end: float, regions: list[tuple[float, float]]) -> float:
    """Seconds that [start, end] shares with the (start, end) regions (non-overlapping)."""
    return sum(max(0.0, min(end, r1) - max(start, r0)) for r0, r1 in regions)


def in_speech(segment: Segment, regions: list[tuple[float, float]]) -> bool:
    """Whether a segment is backed by speech: at least MIN_OVERLAP_FRACTION of it (or
    MIN_OVERLAP_S) lies inside the regions; a zero-length segment must lie inside one."""
    length = segment.end - segment.start
    if length <= 0:
        return any(r0 <= segment.start <= r1 for r0, r1 in regions)
    shared = speech_overlap(segment.start, segment.end, regions)
    return shared >= min(MIN_OVERLAP_S, MIN_OVERLAP_FRACTION * length)


def compression_ratio(text: str) -> float:
    """gzip compression ratio of the UTF-8 text; above 2.4 Whisper calls it a repetition loop."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def transcribe(
    samples: np.ndarray,
    *,
    engine: str = DEFAULT_ENGINE,
    model_path: Path | None = None,
    cache_dir: Path,
    beam_size: int = 1,
    threads: int = 0,
    speech_regions: list[tuple[float, float]] | None = None,
) -> Transcript:
    """Transcribe Japanese speech.

    Segments whose text is a repetition loop (compression ratio > 2.4) are always dropped.

    Parameters
    ----------
    samples : np.ndarray, shape (n,)
        Float32 mono in [-1, 1] at :data:`SAMPLE_RATE` (16 kHz).
    engine : {"faster-whisper", "openai-whisper"}, default DEFAULT_ENGINE
        int8 CTranslate2 or fp32 PyTorch (:data:`analysis.resolve.ENGINES`).
    model_path : Path, optional
        A faster-whisper folder or an openai-whisper ``.pt``; ``None``: the bundled base
        model, assembled in ``cache_dir``.
    cache_dir : Path
        The model cache.
    beam_size : int, default 1
        1 = greedy.
    threads : int, default 0
        CPU threads; 0 = one per core.
    speech_regions : list of (float, float), optional
        Seconds of speech found by the VAD. Then the audio after the last region (plus
        TAIL_PAD_S) is not decoded and segments not backed by speech (:func:`in_speech`) are
        dropped; an empty list means "no speech": Whisper is not run.

    Returns
    -------
    Transcript
        The joined text, the kept segments (times in seconds), the engine and the SHA-256 of
        the weights' source file.

    Raises
    ------
    ValueError
        An unknown engine or samples that are not mono.
    ModelPackError
        Model problems.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"samples must be mono, shape (n,), not {samples.shape}")
    cache_dir = Path(cache_dir)
    source = None if model_path is None else str(model_path)
    if speech_regions is not None and len(speech_regions) == 0:
        sha = _source_sha256(engine, source, str(cache_dir))
        return Transcript(text="", segments=[], engine=engine, model_sha256=sha)

    resolved = resolve_model(engine, None if source is None else Path(source), cache_dir)
    sha = _source_sha256(engine, source, str(cache_dir))
    loaded = load_model(engine, str(resolved), _threads(threads))
    regions = (
        None if speech_regions is None else sorted((float(a), float(b)) for a, b in speech_regions)
    )
    stop_after = None
    if regions:
        last_end = max(b for _, b in regions)
        samples = samples[: int((last_end + TAIL_PAD_S) * SAMPLE_RATE)]
        stop_after = last_end - END_SLACK_S
    run = _run_faster if engine == FASTER_WHISPER else _run_openai
    with loaded.lock:  # one decode at a time per model: 2 cores, no gain from overlapping
        segments = run(loaded, samples, beam_size, stop_after)

    segments = [s for s in segments if compression_ratio(s.text) <= MAX_COMPRESSION_RATIO]
    if regions is not None:
        segments = [s for s in segments if in_speech(s, regions)]
    text = "".join(s.text for s in segments)
    return Transcript(text=text, segments=segments, engine=engine, model_sha256=sha)
