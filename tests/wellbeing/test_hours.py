"""Opening hours of support contacts and the de-duplicated share reasons (issue 13, item 9)."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.config import DEFAULT_SUPPORT_CONTACTS, Settings, SupportContact
from wellbeing.flags import assess, most_severe_of_each_kind
from wellbeing.hours import HoursError, is_open, open_first, parse_hours

WED_0430 = datetime(2026, 12, 2, 4, 30)  # a Wednesday, 04:30 local time


def test_weekly_slots():
    h = parse_hours("mon,tue 17:00-22:00; sat,sun 10:00-16:00")
    assert h.is_open(datetime(2026, 11, 30, 17, 0))  # Monday 17:00 opens
    assert not h.is_open(datetime(2026, 11, 30, 22, 0))  # … 22:00 has closed
    assert not h.is_open(WED_0430)
    assert h.is_open(datetime(2026, 12, 6, 15, 59))  # Sunday
    assert h.next_opening(WED_0430) == datetime(2026, 12, 5, 10, 0)  # Saturday 10:00


def test_ranges_daily_midnight_and_24h():
    assert parse_hours("mon-fri 09:00-18:00").is_open(datetime(2026, 12, 4, 9, 0))  # Friday
    assert not parse_hours("mon-fri 09:00-18:00").is_open(datetime(2026, 12, 5, 12, 0))  # Sat
    assert parse_hours("sat-mon 10:00-11:00").is_open(datetime(2026, 11, 30, 10, 30))  # wraps
    overnight = parse_hours("fri 22:00-06:00")
    assert overnight.is_open(datetime(2026, 12, 4, 23, 0))  # Friday night
    assert overnight.is_open(datetime(2026, 12, 5, 5, 59))  # Saturday early morning
    assert not overnight.is_open(datetime(2026, 12, 5, 6, 0))
    assert not overnight.is_open(datetime(2026, 12, 4, 5, 0))  # Friday early = Thursday night
    assert parse_hours("daily 00:00-24:00").is_open(WED_0430)
    assert parse_hours("24h").is_open(WED_0430)
    assert parse_hours(" 24H ").always


@pytest.mark.parametrize("bad", ["", "weekdays 09:00-18:00", "mon 9-18", "mon 25:00-26:00",
                                 "mon 09:00", "mon 24:00-24:30", "mon 09:00-24:30"])
def test_bad_hours_are_refused(bad):
    with pytest.raises(HoursError):
        parse_hours(bad)


def test_unknown_hours_are_not_closed():
    assert is_open("", WED_0430) is None
    assert is_open("24h", WED_0430) is True


def test_defaults_include_a_24_hour_line_open_at_night():
    """Issue 13: after a severe check-in at 04:30 on a Wednesday none of the contacts was open."""
    marked = open_first(DEFAULT_SUPPORT_CONTACTS, WED_0430)
    first, open_now = marked[0]
    assert open_now is True and "よりそいホットライン" in first.name
    assert first.phone == "0120-279-338" and "24時間" in first.hours
    assert [o for _c, o in marked[1:]] == [False, False]
    # during office hours the company desk is open too, and keeps its place before the others
    tue_10 = datetime(2026, 12, 1, 10, 0)
    assert [c.name[:4] for c, o in open_first(DEFAULT_SUPPORT_CONTACTS, tue_10) if o] == [
        "社内相談", "よりそい"]


def test_every_default_contact_has_machine_readable_hours():
    for c in DEFAULT_SUPPORT_CONTACTS:
        assert c.hours and parse_hours(c.open)


def test_configured_contact_with_bad_hours_is_refused(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOJO_SUPPORT_CONTACTS", '[{"name": "相談室", "open": "平日 9-18"}]')
    with pytest.raises(ValueError, match="opening hours"):
        Settings()
    assert SupportContact(name="相談室", open="mon-fri 09:00-17:30").open


def test_share_reasons_keep_the_most_severe_of_each_kind():
    a = assess(who5=[1, 1, 1, 1, 1], k6=[3, 3, 3, 3, 2, 2])  # WHO-5 raw 5, K6 16
    codes = a.codes
    assert {"k6_serious", "k6_elevated", "who5_very_low", "who5_low"} <= set(codes)  # complete
    shown = [r.code for r in most_severe_of_each_kind(a.reasons)]
    assert "k6_serious" in shown and "k6_elevated" not in shown
    assert "who5_very_low" in shown and "who5_low" not in shown
    assert "who5_item_low" in shown  # a different kind stays
    assert shown == [c for c in codes if c not in {"k6_elevated", "who5_low"}]  # order kept
    stored = [r.to_dict() for r in a.reasons]
    assert [r["code"] for r in most_severe_of_each_kind(stored)] == shown
    only_watch = assess(who5=[3, 3, 3, 3, 3], k6=[2, 2, 2, 2, 1, 1])  # K6 10
    assert "k6_elevated" in [r.code for r in most_severe_of_each_kind(only_watch.reasons)]
