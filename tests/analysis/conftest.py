"""Shared fixtures for the analysis tests: the fixture speech clips and a per-session model
cache (the bundled Whisper base is assembled, and converted for openai-whisper, once per test
session)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model cache directory shared by the whole test session."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def fixtures_meta() -> dict[str, dict]:
    """tests/data/fixtures.json: file name -> text, voice, speed, duration, silences."""
    return json.loads((DATA_DIR / "fixtures.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def fixture_clip():
    """``fixture_clip("answer_apology.flac")`` -> Path of that clip in tests/data/."""

    def get(name: str) -> Path:
        path = DATA_DIR / name
        if not path.is_file():
            raise FileNotFoundError(f"no fixture clip {name!r}; run scripts/make_fixtures.py")
        return path

    return get
