"""Demo practice content: a few really analysed attempts (and calibrations) for demo staff,
from the clips in ``demo/audio``. Called by :mod:`demo.seed` (flush, no commit)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from core import storage
from core.models import Attempt, AttemptKind, User, utcnow
from services import catalogue
from services.calibration import current_baseline
from services.practice import new_run_id, run_analysis

DEMO_AUDIO_DIR = Path(__file__).resolve().parent / "audio"
DEMO_CLIPS = {
    "calibration": "calibration_neutral.flac",
    "apology": "answer_apology.flac",
    "rude": "answer_rude.flac",
}
# (username, clip, days ago)
DEMO_ATTEMPTS: list[tuple[str, str, int]] = [
    ("sato", "rude", 20),
    ("sato", "apology", 12),
    ("sato", "apology", 3),
    ("suzuki", "apology", 6),
    ("yamamoto", "rude", 4),
]
DEMO_CALIBRATED = ("sato", "suzuki")
DEMO_SCENARIO = "late_delivery"
COPIED = ("status", "error", "transcript", "result", "score", "passed", "engine", "model_sha256",
          "analysis_version", "next_turn_id")


def seed_demo(session: Session, people: dict[str, User]) -> None:
    """A few really analysed attempts for demo staff (the clips in ``demo/audio``).

    Each clip is analysed once per baseline with the real pipeline and its result reused for
    every demo attempt of that clip and baseline. A clip that cannot be analysed leaves its
    attempts ``failed`` (the demo still starts). Flushes, does not commit.
    """
    cat = catalogue.catalogue()
    scenario = cat.get(DEMO_SCENARIO)
    now = utcnow()
    cache: dict[tuple, Attempt] = {}

    def add(username: str, clip: str, days: int, kind: AttemptKind) -> None:
        user = people.get(username)
        path = DEMO_AUDIO_DIR / DEMO_CLIPS[clip]
        if user is None or not path.is_file():
            return
        fields: dict[str, Any] = {"kind": kind, "run_id": new_run_id()}
        if kind == AttemptKind.practice:
            if scenario is None:
                return
            fields |= {"scenario_id": scenario.id, "scenario_version": scenario.version,
                       "turn_id": scenario.start}
        relative, sha = storage.save_recording(user.id, path.read_bytes(), suffix=path.suffix)
        attempt = Attempt(user_id=user.id, audio_path=relative, audio_sha256=sha,
                          created_at=now - timedelta(days=days, hours=len(username)), **fields)
        session.add(attempt)
        session.flush()
        baseline = current_baseline(session, user.id) if kind == AttemptKind.practice else None
        key = (kind.value, clip, baseline)  # same clip, same baseline: same analysis
        if key in cache:
            for name in COPIED:
                setattr(attempt, name, getattr(cache[key], name))
            attempt.analysed_at = attempt.created_at
        else:
            run_analysis(session, attempt, catalogue=cat, baseline=baseline, use_baseline=False)
            cache[key] = attempt
        session.add(attempt)
        session.flush()

    for username in DEMO_CALIBRATED:
        add(username, "calibration", 25, AttemptKind.calibration)
    for username, clip, days in DEMO_ATTEMPTS:
        add(username, clip, days, AttemptKind.practice)
