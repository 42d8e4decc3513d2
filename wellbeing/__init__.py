"""Wellbeing check-ins: instruments, flag rules and aggregation rules (a pure package).

No streamlit, no database, no import from ``core``: functions receive plain data and return
plain dataclasses. Modules:

* :mod:`wellbeing.instruments` — WHO-5, K6 and job items (wording, scales, scoring),
  ``week_start``, ``k6_due``.
* :mod:`wellbeing.flags` — ``assess`` (level + every reason) and ``feedback`` (kind text, tips,
  show support contacts).
* :mod:`wellbeing.trends` — minimum group size, complementary suppression, participation.
* :mod:`wellbeing.texts` — every other user-facing string, Japanese and English.
* ``python -m wellbeing`` — the CLI.
"""

from wellbeing.flags import Assessment, Feedback, Reason, assess, feedback
from wellbeing.instruments import JOB_ITEMS, K6, WHO5, JobAnswers, k6_due, week_start
from wellbeing.texts import Text

__all__ = [
    "JOB_ITEMS",
    "K6",
    "WHO5",
    "Assessment",
    "Feedback",
    "JobAnswers",
    "Reason",
    "Text",
    "assess",
    "feedback",
    "k6_due",
    "week_start",
]
