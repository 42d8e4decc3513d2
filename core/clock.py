"""Company time: the calendar people live by (``Settings.timezone``, default Asia/Tokyo).

Times are stored in UTC. Dates people see or type (check-in weeks, filters, tables) are days of
the company's calendar, so "today" and ISO weeks follow the company's time zone, not the
server's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from core.config import get_settings


def company_tz() -> ZoneInfo:
    """The company's time zone (``DOJO_TIMEZONE``)."""
    return ZoneInfo(get_settings().timezone)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware datetime; a naive one (as SQLite returns them) is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def to_local(dt: datetime) -> datetime:
    """A stored instant (naive = UTC) in company time."""
    return as_utc(dt).astimezone(company_tz())


def local_today(now: datetime | None = None) -> date:
    """Today on the company's calendar (``now``: an instant to use instead of the clock)."""
    return to_local(now or datetime.now(UTC)).date()


def local_day_start(d: date) -> datetime:
    """The UTC instant at which company day ``d`` begins (for ``created_at >= ...`` filters)."""
    return datetime.combine(d, time.min, tzinfo=company_tz()).astimezone(UTC)


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored instant as people read it (company time); "" for None."""
    return to_local(value).strftime(fmt) if value is not None else ""
