"""Fixtures for page tests (additive: other areas may add theirs below).

``analysis_cache`` is ONE directory for the whole test session (and kept between sessions) that
holds the assembled Whisper model and the rendered customer voices, so the 145 MB model is
assembled once and each customer line is synthesised once. ``practice_env`` links a test's data
directory to it (``<data>/models`` and ``<data>/voices``) so the app runs its normal code path.
Override the place with ``DOJO_TEST_CACHE``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def analysis_cache() -> Path:
    root = Path(os.environ.get("DOJO_TEST_CACHE") or Path(tempfile.gettempdir()) / "dojo-test-cache")
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "voices").mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def practice_env(app_env, analysis_cache) -> Path:
    """``app_env`` whose model and voice caches are the shared session cache."""
    app_env.mkdir(parents=True, exist_ok=True)
    for name in ("models", "voices"):
        link = app_env / name
        if not link.exists():
            link.symlink_to(analysis_cache / name, target_is_directory=True)
    return app_env
