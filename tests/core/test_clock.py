"""core.clock: company time (DOJO_TIMEZONE, default Asia/Tokyo)."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from core import clock
from core.config import Settings, get_settings
from wellbeing.instruments import week_start


@pytest.fixture
def tz(monkeypatch):
    def use(name: str | None):
        if name is None:
            monkeypatch.delenv("DOJO_TIMEZONE", raising=False)
        else:
            monkeypatch.setenv("DOJO_TIMEZONE", name)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_default_is_tokyo(tz):
    tz(None)
    assert get_settings().timezone == "Asia/Tokyo"
    assert str(clock.company_tz()) == "Asia/Tokyo"


def test_late_sunday_utc_is_monday_in_tokyo_next_iso_week(tz):
    tz(None)
    sunday_night_utc = datetime(2026, 11, 29, 20, 30, tzinfo=UTC)  # Sunday 20:30 UTC
    assert sunday_night_utc.date().isocalendar().week == 48
    today = clock.local_today(sunday_night_utc)
    assert today == date(2026, 11, 30) and today.weekday() == 0  # Monday 05:30 JST
    assert today.isocalendar().week == 49
    assert week_start(today) == date(2026, 11, 30)
    assert week_start(sunday_night_utc.date()) == date(2026, 11, 23)


def test_to_local_treats_naive_as_utc(tz):
    tz(None)
    local = clock.to_local(datetime(2026, 1, 1, 15, 0))
    assert (local.year, local.month, local.day, local.hour) == (2026, 1, 2, 0)
    assert local.utcoffset().total_seconds() == 9 * 3600
    assert clock.to_local(datetime(2026, 1, 1, 15, 0, tzinfo=UTC)) == local
    assert clock.format_local(datetime(2026, 1, 1, 15, 0)) == "2026-01-02 00:00"
    assert clock.format_local(None) == ""


def test_day_start_is_midnight_company_time(tz):
    tz(None)
    assert clock.local_day_start(date(2026, 1, 2)) == datetime(2026, 1, 1, 15, 0, tzinfo=UTC)


def test_another_company_timezone(tz):
    tz("Europe/London")
    sunday_night_utc = datetime(2026, 11, 29, 20, 30, tzinfo=UTC)
    assert clock.local_today(sunday_night_utc) == date(2026, 11, 29)
    assert clock.local_day_start(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)


def test_unknown_timezone_is_refused(monkeypatch):
    monkeypatch.setenv("DOJO_TIMEZONE", "Mars/Olympus_Mons")
    with pytest.raises(ValidationError):
        Settings()
