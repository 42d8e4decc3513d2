"""Login rate limits per client address and per typed username (existing or not).

The account lockout (``core.auth``) protects accounts that exist; this protects the rest: a
flood of tries for unknown usernames, or one address trying many names, is refused unchecked
(no password hashing, no database lookup) once it has failed ``limit`` times within the window.
A refused try is not written to the audit log one by one: the first refusal of a key in a
window is recorded, and then one summary row per ``SUMMARY_EVERY`` refusals, so a flood cannot
push real events out of sight.

State is kept in this process (thread-safe): Streamlit serves every browser of one app from
one process. Several web processes each keep their own counts (a limit per process).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

SUMMARY_EVERY = 100


@dataclass
class _Bucket:
    failures: deque  # monotonic times of failures inside the window
    refused: int = 0  # refusals since the last audit summary
    refused_total: int = 0  # refusals in this throttled spell


class LoginThrottle:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def _bucket(self, key: tuple[str, str], now: float, window: float) -> _Bucket:
        b = self._buckets.get(key)
        if b is None:
            b = self._buckets[key] = _Bucket(failures=deque())
        while b.failures and b.failures[0] <= now - window:
            b.failures.popleft()
        if not b.failures:
            b.refused = b.refused_total = 0
        return b

    def check(self, keys: list[tuple[tuple[str, str], int]], window_s: float,
              now: float | None = None) -> tuple[bool, tuple[str, str] | None, int]:
        """May a try with these ``(key, limit)`` pairs go ahead?

        Returns ``(allowed, throttled key, refusals to summarise now)``: the last is 1 for the
        first refusal of a spell, ``SUMMARY_EVERY`` at each further hundred, else 0.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            for key, limit in keys:
                if limit <= 0:
                    continue
                b = self._bucket(key, now, window_s)
                if len(b.failures) >= limit:
                    b.refused += 1
                    b.refused_total += 1
                    if b.refused_total == 1:
                        b.refused = 0
                        return False, key, 1
                    if b.refused >= SUMMARY_EVERY:
                        n, b.refused = b.refused, 0
                        return False, key, n
                    return False, key, 0
            return True, None, 0

    def failed(self, keys: list[tuple[str, str]], window_s: float,
               now: float | None = None) -> None:
        """Count one failed try against each key."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                self._bucket(key, now, window_s).failures.append(now)
            if len(self._buckets) > 50_000:  # forget idle keys (a flood of random names)
                for k in [k for k, b in self._buckets.items() if not b.failures]:
                    del self._buckets[k]

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


THROTTLE = LoginThrottle()
