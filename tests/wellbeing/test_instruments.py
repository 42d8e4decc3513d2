"""WHO-5, K6 and job items: exact wording, scales, scoring, validation, weeks, the K6 schedule."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wellbeing.instruments import (
    HARASSMENT_KINDS,
    JOB_ITEMS,
    K6,
    K6_INTERVAL_DAYS,
    MAX_FREE_TEXT_CHARS,
    WHO5,
    AnswerError,
    JobAnswers,
    iso_week,
    k6_due,
    k6_total,
    week_start,
    who5_percent,
    who5_raw,
)

# --- wording exactly as published (copied from /work/shared/notes/domain.md) -------------------


def test_who5_wording_and_scale_exact():
    assert WHO5.stem.ja == "最近2週間、私は…"
    assert [t.ja for t in WHO5.items] == [
        "明るく、楽しい気分で過ごした",
        "落ち着いた、リラックスした気分で過ごした",
        "意欲的で、活動的に過ごした",
        "ぐっすりと休め、気持ちよくめざめた",
        "日常生活の中に、興味のあることがたくさんあった",
    ]
    assert [(c.label.ja, c.value) for c in WHO5.choices] == [
        ("いつも", 5),
        ("ほとんどいつも", 4),
        ("半分以上の期間を", 3),
        ("半分以下の期間を", 2),
        ("ほんのたまに", 1),
        ("まったくない", 0),
    ]
    assert [c.label.en for c in WHO5.choices] == [
        "All of the time",
        "Most of the time",
        "More than half of the time",
        "Less than half of the time",
        "Some of the time",
        "At no time",
    ]


def test_k6_wording_and_scale_exact():
    assert K6.stem.ja == "過去30日の間にどれくらいの頻度で次のことがありましたか"
    assert [t.ja for t in K6.items] == [
        "神経過敏に感じましたか",
        "絶望的だと感じましたか",
        "そわそわ、落ち着かなく感じましたか",
        "気分が沈み込んで、何が起こっても気が晴れないように感じましたか",
        "何をするのも骨折りだと感じましたか",
        "自分は価値のない人間だと感じましたか",
    ]
    assert [(c.label.ja, c.value) for c in K6.choices] == [
        ("全くない", 0),
        ("少しだけ", 1),
        ("ときどき", 2),
        ("たいてい", 3),
        ("いつも", 4),
    ]
    assert K6.window_days == 30
    assert K6.max_total == 24
    assert WHO5.max_total == 25


def test_every_text_has_both_languages():
    for ins in (WHO5, K6):
        for t in (ins.name, ins.stem, *ins.items, *(c.label for c in ins.choices)):
            assert t.ja.strip() and t.en.strip()
    for item in JOB_ITEMS:
        for t in (item.short, item.question, *(lv.label for lv in item.levels)):
            assert t.ja.strip() and t.en.strip()
    for t in HARASSMENT_KINDS.values():
        assert t.ja.strip() and t.en.strip()


# --- scoring ------------------------------------------------------------------------------------


def test_who5_scores():
    assert who5_raw([5, 5, 5, 5, 5]) == 25
    assert who5_percent([5, 5, 5, 5, 5]) == 100
    assert who5_raw([0, 0, 0, 0, 0]) == 0
    assert who5_raw([3, 2, 1, 0, 4]) == 10
    assert who5_percent([3, 2, 1, 0, 4]) == 40


def test_k6_scores():
    assert k6_total(None) is None
    assert k6_total([4] * 6) == 24
    assert k6_total([0, 1, 2, 3, 4, 0]) == 10


@given(st.lists(st.integers(0, 5), min_size=5, max_size=5))
def test_who5_pct_is_raw_times_four(answers):
    raw = who5_raw(answers)
    assert raw == sum(answers)
    assert 0 <= raw <= 25
    assert who5_percent(answers) == raw * 4


@given(st.lists(st.integers(0, 4), min_size=6, max_size=6))
def test_k6_total_in_range(answers):
    assert 0 <= k6_total(answers) <= 24


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers, message",
    [
        ([3, 3, 3, 3], "expected 5 answers, got 4"),
        ([3, 3, 3, 3, 3, 3], "expected 5 answers, got 6"),
        ([], "expected 5 answers, got 0"),
        ([3, 3, 3, 3, 6], "item 5 must be between 0 and 5, got 6"),
        ([-1, 3, 3, 3, 3], "item 1 must be between 0 and 5, got -1"),
        ([3, 3, 3.0, 3, 3], "item 3 must be an integer"),
        ([3, 3, "3", 3, 3], "item 3 must be an integer"),
        ([True, 3, 3, 3, 3], "item 1 must be an integer"),
        ([3, None, 3, 3, 3], "item 2 must be an integer"),
        ("33333", "must be a list"),
        (None, "must be a list"),
        (5, "must be a list"),
    ],
)
def test_who5_rejects_bad_answers(answers, message):
    with pytest.raises(ValueError, match=message):
        who5_raw(answers)


@pytest.mark.parametrize(
    "answers, message",
    [
        ([0] * 5, "expected 6 answers, got 5"),
        ([0] * 7, "expected 6 answers, got 7"),
        ([0, 0, 0, 0, 0, 5], "item 6 must be between 0 and 4, got 5"),
        ([0, 0, 0, -1, 0, 0], "item 4 must be between 0 and 4"),
    ],
)
def test_k6_rejects_bad_answers(answers, message):
    with pytest.raises(ValueError, match=message):
        k6_total(answers)


def test_numpy_integers_are_accepted():
    np = pytest.importorskip("numpy")
    assert who5_raw(np.array([1, 2, 3, 4, 5])) == 15


@given(st.lists(st.integers(-3, 9), min_size=0, max_size=8))
def test_who5_validates_or_scores_correctly(answers):
    ok = len(answers) == 5 and all(0 <= a <= 5 for a in answers)
    if ok:
        assert who5_raw(answers) == sum(answers)
    else:
        with pytest.raises(ValueError):
            who5_raw(answers)


# --- weeks and the K6 schedule ------------------------------------------------------------------


def test_week_start_is_monday():
    assert week_start(date(2026, 11, 23)) == date(2026, 11, 23)  # Monday
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)  # Sunday
    assert week_start(date(2026, 11, 30)) == date(2026, 11, 30)  # next Monday
    assert week_start(date(2027, 1, 1)) == date(2026, 12, 28)  # across the year
    assert week_start(datetime(2026, 11, 28, 23, 59)) == date(2026, 11, 23)
    assert type(week_start(datetime(2026, 11, 28, 23, 59))) is date


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_week_start_properties(d):
    m = week_start(d)
    assert m.weekday() == 0
    assert 0 <= (d - m).days <= 6
    assert iso_week(m) == iso_week(d)


def test_week_start_rejects_non_dates():
    with pytest.raises(ValueError):
        week_start("2026-11-28")


def test_k6_due_boundaries():
    today = date(2026, 11, 28)
    assert k6_due(None, today) is True
    assert K6_INTERVAL_DAYS == 28
    assert k6_due(today - timedelta(days=27), today) is False
    assert k6_due(today - timedelta(days=28), today) is True
    assert k6_due(today - timedelta(days=35), today) is True
    assert k6_due(today, today) is False


def test_k6_due_with_weekly_checkins_is_every_fourth_week():
    asked = []
    last = None
    for week in range(12):
        day = date(2026, 1, 5) + timedelta(weeks=week)
        if k6_due(last, day):
            asked.append(week)
            last = day
    assert asked == [0, 4, 8]


def test_k6_due_rejects_future_last_date():
    with pytest.raises(ValueError, match="after today"):
        k6_due(date(2026, 12, 1), date(2026, 11, 28))


# --- job items ----------------------------------------------------------------------------------


def test_job_items_levels_best_to_worst():
    by_id = {it.id: it for it in JOB_ITEMS}
    assert list(by_id) == ["harassment", "workload", "consult", "sleep"]
    assert by_id["harassment"].keys == ("none", "once", "two_three", "four_plus")
    assert by_id["workload"].keys == ("manageable", "somewhat_heavy", "heavy", "too_heavy")
    assert by_id["consult"].keys == ("agree", "somewhat_agree", "somewhat_disagree", "disagree")
    assert by_id["sleep"].keys == ("well", "fairly", "poorly", "very_poorly")
    assert [lv.label.ja for lv in by_id["harassment"].levels] == [
        "なかった",
        "1回",
        "2〜3回",
        "4回以上",
    ]
    for it in JOB_ITEMS:
        assert it.worst == 3
    assert set(HARASSMENT_KINDS) == {
        "abusive_language",
        "threats",
        "long_calls",
        "repeated_calls",
        "other",
    }


def test_job_answers_levels_and_round_trip():
    j = JobAnswers(
        harassment="two_three",
        workload="heavy",
        consult="disagree",
        sleep="fairly",
        harassment_kinds={"threats", "long_calls"},
        one_on_one=True,
        free_text="相談したいです",
    )
    assert j.levels() == {"harassment": 2, "workload": 2, "consult": 3, "sleep": 1}
    assert isinstance(j.harassment_kinds, frozenset)
    d = j.to_dict()
    assert d["harassment_kinds"] == ["long_calls", "threats"]
    assert JobAnswers.from_dict(d) == j
    assert JobAnswers().levels() == {"harassment": 0, "workload": 0, "consult": 0, "sleep": 0}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"workload": "huge"}, "unknown answer 'huge'"),
        ({"sleep": 2}, "must be a key string"),
        ({"harassment": "once", "harassment_kinds": {"shouting"}}, "unknown harassment kind"),
        ({"harassment": "none", "harassment_kinds": {"threats"}}, "exposure is 'none'"),
        ({"harassment": "once", "harassment_kinds": "threats"}, "not a string"),
        ({"one_on_one": "yes"}, "True or False"),
        ({"free_text": "あ" * 2001}, "at most 2000"),
    ],
)
def test_job_answers_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        JobAnswers(**kwargs)


def test_job_answers_from_dict_rejects_unknown_fields():
    with pytest.raises(ValueError, match="unknown job answer field"):
        JobAnswers.from_dict({"mood": "good"})


def test_package_is_pure():
    """wellbeing imports no streamlit, no database layer and nothing from core."""
    code = (
        "import sys, wellbeing, wellbeing.instruments, wellbeing.flags, wellbeing.trends, "
        "wellbeing.texts, wellbeing.__main__\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'streamlit', 'core', 'sqlmodel', 'sqlalchemy', 'psycopg', 'pandas'})\n"
        "print(','.join(bad))"
    )
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert p.stdout.strip() == ""


@pytest.mark.parametrize(("bad", "key"), [
    (lambda: WHO5.validate([5, 5, 5, 5, 6]), "checkin.err_who5"),
    (lambda: WHO5.validate("55555"), "checkin.err_who5"),
    (lambda: K6.validate([0] * 5), "checkin.err_k6"),
    (lambda: JobAnswers(workload="endless"), "checkin.err_job"),
    (lambda: JobAnswers.from_dict({"mood": "good"}), "checkin.err_job"),
    (lambda: JobAnswers(free_text="x" * (MAX_FREE_TEXT_CHARS + 1)), "checkin.err_free_text_long"),
])
def test_bad_answers_name_a_message_of_the_apps_catalogue(bad, key):
    """AnswerError says what is wrong in English (str) and names the message a person reads:
    a key of the app's catalogue with both languages (the test may import core; the package
    may not)."""
    from core.i18n import t

    with pytest.raises(AnswerError) as e:
        bad()
    assert e.value.key == key and str(e.value)
    assert t(key, "ja", **e.value.values) and t(key, "en", **e.value.values)
