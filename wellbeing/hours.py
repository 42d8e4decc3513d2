"""When a support contact is open: a small machine-readable opening-hours format.

Pure functions (no I/O, no clock): the caller passes a *local* datetime in the company's time
zone (``core.clock``), so "open now" is decided the same way on every page and in tests.

Format (``SupportContact.open``), slots separated by ``;``::

    24h                                  always open
    mon-fri 09:00-18:00                  weekdays
    mon,tue 17:00-22:00; sat,sun 10:00-16:00
    fri 22:00-06:00                      past midnight: open Friday 22:00 to Saturday 06:00
    daily 10:00-22:00                    every day

Days are ``mon tue wed thu fri sat sun`` (ranges ``a-b`` wrap: ``sat-mon``), ``daily``; times are
``HH:MM`` 24-hour, ``24:00`` allowed as an end. Public holidays are not modelled: a contact that
closes on holidays shows as open on a holiday weekday (say so in its ``hours`` text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "24h"
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class HoursError(ValueError):
    """An opening-hours text that cannot be read (the message names the bad part)."""


@dataclass(frozen=True)
class Slot:
    """Open on ``days`` (0 = Monday) from ``start`` to ``end`` minutes after midnight; an ``end``
    at or before ``start`` runs into the next day."""

    days: frozenset[int]
    start: int
    end: int

    def contains(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        # past midnight: the evening of an opening day, or the early hours after it
        return (weekday in self.days and minute >= self.start) or (
            (weekday - 1) % 7 in self.days and minute < self.end
        )


@dataclass(frozen=True)
class Hours:
    always: bool
    slots: tuple[Slot, ...]

    def is_open(self, local: datetime) -> bool:
        if self.always:
            return True
        minute = local.hour * 60 + local.minute
        return any(s.contains(local.weekday(), minute) for s in self.slots)

    def next_opening(self, local: datetime) -> datetime | None:
        """The first minute at or after ``local`` (within a week) at which the contact is open."""
        if self.always or not self.slots:
            return local if self.always else None
        t = local.replace(second=0, microsecond=0)
        for _ in range(7 * 24 * 60 // 15 + 1):  # quarter-hour steps are enough for HH:MM slots
            if self.is_open(t):
                return t
            t += timedelta(minutes=15 - t.minute % 15)
        return None


def _days(text: str) -> frozenset[int]:
    if text == "daily":
        return frozenset(range(7))
    out: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            if a not in DAYS or b not in DAYS:
                raise HoursError(f"unknown day in {part!r} (use {', '.join(DAYS)})")
            i, j = DAYS.index(a), DAYS.index(b)
            out.update((i + k) % 7 for k in range((j - i) % 7 + 1))
        elif part in DAYS:
            out.add(DAYS.index(part))
        else:
            raise HoursError(f"unknown day {part!r} (use {', '.join(DAYS)} or daily)")
    return frozenset(out)


def _minutes(text: str) -> int:
    m = _TIME.match(text)
    if not m or (m.group(1) == "24" and m.group(2) != "00"):
        raise HoursError(f"time {text!r} is not HH:MM (00:00–24:00)")
    return int(m.group(1)) * 60 + int(m.group(2))


def parse_hours(spec: str) -> Hours:
    """Read an opening-hours text (see the module docstring); raises :class:`HoursError`."""
    spec = spec.strip().lower()
    if not spec:
        raise HoursError("empty opening hours")
    if spec == ALWAYS:
        return Hours(always=True, slots=())
    slots = []
    for raw in spec.split(";"):
        part = raw.strip()
        bits = part.split()
        if len(bits) != 2 or "-" not in bits[1]:
            raise HoursError(f"slot {part!r} is not '<days> HH:MM-HH:MM'")
        start_s, end_s = bits[1].split("-", 1)
        start, end = _minutes(start_s), _minutes(end_s)
        if start == 24 * 60:
            raise HoursError(f"slot {part!r} starts at 24:00")
        slots.append(Slot(days=_days(bits[0]), start=start, end=end % (24 * 60) or 24 * 60))
    return Hours(always=False, slots=tuple(slots))


def is_open(spec: str, local: datetime) -> bool | None:
    """Whether a contact with opening hours ``spec`` is open at ``local``; ``None`` when the
    hours are not given (unknown, not closed)."""
    if not spec.strip():
        return None
    return parse_hours(spec).is_open(local)


T = TypeVar("T")


def open_first(contacts: Sequence[T], local: datetime, *, spec_of=lambda c: c.open) -> list[
    tuple[T, bool | None]
]:
    """``(contact, open now?)`` for each contact, open ones first (then unknown, then closed),
    otherwise keeping the configured order."""
    marked = [(c, is_open(spec_of(c), local)) for c in contacts]
    rank = {True: 0, None: 1, False: 2}
    return sorted(marked, key=lambda cm: rank[cm[1]])


def any_open(states: Iterable[bool | None]) -> bool:
    return any(s is True for s in states)


__all__ = ["ALWAYS", "DAYS", "Hours", "HoursError", "Slot", "any_open", "is_open", "open_first",
           "parse_hours"]
