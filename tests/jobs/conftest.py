"""Fixtures for the background-job tests: a queue that does not run jobs by itself (a SQLite
queue file nobody consumes), so a test decides who claims what; real worker processes for the
tests that kill one (see test_workers.py)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from core.access import viewer_for


@pytest.fixture
def parked_queue(monkeypatch, tmp_path):
    """Jobs are written and sent to a SQLite queue file that no worker reads."""
    from tests.conftest import _reset_caches

    monkeypatch.setenv("DOJO_QUEUE_URL", f"sqlite:///{tmp_path / 'parked-queue.sqlite3'}")
    _reset_caches()
    yield
    _reset_caches()


@pytest.fixture
def staff_attempt():
    """``staff_attempt(status=...)`` → an Attempt of a new staff user (audio: a fixture clip)."""
    from core.access import SYSTEM
    from core.db import get_engine
    from core.models import AttemptStatus
    from services import practice
    from services.users import create_user
    from tests.conftest import ROOT

    counter = {"n": 0}

    def make(status=AttemptStatus.stored, clip="answer_rude.flac"):
        counter["n"] += 1
        with Session(get_engine(), expire_on_commit=False) as s:
            user = create_user(s, username=f"staff{counter['n']}", display_name="staff",
                               role="staff", password="password123", team_name="東京",
                               viewer=SYSTEM)
            s.commit()
            data = (ROOT / "tests" / "data" / clip).read_bytes()
            attempt = practice.submit_calibration(s, viewer=viewer_for(s, user), data=data,
                                                  filename=clip)
            attempt.status = status
            s.add(attempt)
            s.commit()
            return attempt

    return make
