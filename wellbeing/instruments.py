"""The check-in instruments: WHO-5, K6 and the job items — wording, answer scales, scoring.

Sources (see /work/shared/notes/domain.md, "Check-in instruments"):

* **WHO-5 Well-Being Index**, Japanese version (Psychiatric Research Unit, WHO Collaborating
  Centre in Mental Health, Frederiksborg; Japanese translation as published, e.g. Awata et al.
  2007). Stem 「最近2週間、私は…」, five items, answers いつも 5 … まったくない 0.
  Raw score 0–25; ×4 gives 0–100 %. Free to use; wording and scale must be kept exactly.
* **K6** (Kessler et al. 2002/2003), Japanese version (Furukawa et al. 2008). Stem
  「過去30日の間にどれくらいの頻度で次のことがありましたか」, six items, answers 全くない 0 …
  いつも 4, total 0–24. Its window is 30 days, so it is asked every 4 weeks, not weekly.
* **Job items**: our own short pulse items, modelled on Geppo (three ordered "weather" answers
  per item) — not a validated instrument. Every item's levels are ordered best → worst so that
  worsening can be computed (:mod:`wellbeing.flags`).

Everything here is plain data and pure functions; answers are validated before any score is
computed (a wrong item count or an out-of-range answer raises :class:`AnswerError`, a
``ValueError``). Bad answers of any kind, a wrong type included, raise AnswerError: callers
catch one exception type. Its ``str()`` says what is wrong in English
(logs, the CLI); its ``key`` and ``values`` name the message a person reads (a key of the app's
catalogue, ``checkin.err_*``), which the app's services turn into a refusal.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from wellbeing.texts import Text


class AnswerError(ValueError):
    """Bad check-in answers. ``str(e)``: the English detail; ``key``/``values``: the catalogue
    message shown to the person (``checkin.err_who5``, ``checkin.err_k6``, ``checkin.err_job``,
    ``checkin.err_free_text_long``)."""

    def __init__(self, message: str, key: str = "checkin.err_job", **values: object):
        super().__init__(message)
        self.key = key
        self.values = values


# --- constants of the domain ---------------------------------------------------------------------

WHO5_N_ITEMS = 5
WHO5_MAX_ANSWER = 5
WHO5_PCT_FACTOR = 4  # raw 0–25 × 4 = 0–100 %
K6_N_ITEMS = 6
K6_MAX_ANSWER = 4
K6_WINDOW_DAYS = 30  # the K6 asks about the past 30 days
K6_INTERVAL_DAYS = 28  # ask every 4 weeks (see k6_due)
MAX_FREE_TEXT_CHARS = 2000


@dataclass(frozen=True)
class Choice:
    """One answer of a validated instrument: its score and its label, in published order."""

    value: int
    label: Text


@dataclass(frozen=True)
class Instrument:
    """A validated questionnaire: stem, items and answer scale exactly as published.

    ``choices`` are in the order the published form prints them (WHO-5 from いつも 5 down to
    まったくない 0; K6 from 全くない 0 up to いつも 4). Pages show them in that order.
    """

    id: str
    name: Text
    stem: Text
    items: tuple[Text, ...]
    choices: tuple[Choice, ...]
    window_days: int
    source: str

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def key(self) -> str:
        """The catalogue key of the message for bad answers to this instrument."""
        return f"checkin.err_{self.id}"

    @property
    def min_answer(self) -> int:
        return min(c.value for c in self.choices)

    @property
    def max_answer(self) -> int:
        return max(c.value for c in self.choices)

    @property
    def max_total(self) -> int:
        return self.n_items * self.max_answer

    def validate(self, answers: Iterable[Any]) -> tuple[int, ...]:
        """Return the answers as a tuple of ints, or raise AnswerError saying what is wrong.

        Accepts any integer type (``int``, numpy integers) but not ``bool``, floats or strings.
        """
        if isinstance(answers, (str, bytes)) or answers is None:
            raise AnswerError(f"{self.id}: answers must be a list of {self.n_items} integers", self.key)
        try:
            values = list(answers)
        except TypeError:
            raise AnswerError(
                f"{self.id}: answers must be a list of {self.n_items} integers", self.key
            ) from None
        if len(values) != self.n_items:
            raise AnswerError(f"{self.id}: expected {self.n_items} answers, got {len(values)}",
                              self.key)
        out: list[int] = []
        for i, v in enumerate(values, start=1):
            if isinstance(v, bool):
                raise AnswerError(f"{self.id}: item {i} must be an integer, got {v!r}",
                                  self.key)
            try:
                iv = operator.index(v)
            except TypeError:
                raise AnswerError(f"{self.id}: item {i} must be an integer, got {v!r}",
                                  self.key) from None
            if not self.min_answer <= iv <= self.max_answer:
                raise AnswerError(
                    f"{self.id}: item {i} must be between {self.min_answer} and "
                    f"{self.max_answer}, got {iv}", self.key
                )
            out.append(iv)
        return tuple(out)

    def total(self, answers: Iterable[Any]) -> int:
        """Sum of the validated answers."""
        return sum(self.validate(answers))

    def choice_label(self, value: int) -> Text:
        for c in self.choices:
            if c.value == value:
                return c.label
        raise ValueError(f"{self.id}: no answer with value {value}")


WHO5 = Instrument(
    id="who5",
    name=Text("WHO-5 精神的健康状態表", "WHO-5 Well-Being Index"),
    stem=Text("最近2週間、私は…", "Over the last two weeks:"),
    items=(
        Text("明るく、楽しい気分で過ごした", "I have felt cheerful and in good spirits"),
        Text("落ち着いた、リラックスした気分で過ごした", "I have felt calm and relaxed"),
        Text("意欲的で、活動的に過ごした", "I have felt active and vigorous"),
        Text("ぐっすりと休め、気持ちよくめざめた", "I woke up feeling fresh and rested"),
        Text(
            "日常生活の中に、興味のあることがたくさんあった",
            "My daily life has been filled with things that interest me",
        ),
    ),
    choices=(
        Choice(5, Text("いつも", "All of the time")),
        Choice(4, Text("ほとんどいつも", "Most of the time")),
        Choice(3, Text("半分以上の期間を", "More than half of the time")),
        Choice(2, Text("半分以下の期間を", "Less than half of the time")),
        Choice(1, Text("ほんのたまに", "Some of the time")),
        Choice(0, Text("まったくない", "At no time")),
    ),
    window_days=14,
    source="WHO-5 Well-Being Index (WHO Collaborating Centre in Mental Health, 1998); "
    "Japanese version as published (Awata et al. 2007).",
)

K6 = Instrument(
    id="k6",
    name=Text("K6（こころの状態）", "K6 (Kessler Psychological Distress Scale)"),
    stem=Text(
        "過去30日の間にどれくらいの頻度で次のことがありましたか",
        "During the past 30 days, about how often did you feel…",
    ),
    items=(
        Text("神経過敏に感じましたか", "nervous?"),
        Text("絶望的だと感じましたか", "hopeless?"),
        Text("そわそわ、落ち着かなく感じましたか", "restless or fidgety?"),
        Text(
            "気分が沈み込んで、何が起こっても気が晴れないように感じましたか",
            "so depressed that nothing could cheer you up?",
        ),
        Text("何をするのも骨折りだと感じましたか", "that everything was an effort?"),
        Text("自分は価値のない人間だと感じましたか", "worthless?"),
    ),
    choices=(
        Choice(0, Text("全くない", "None of the time")),
        Choice(1, Text("少しだけ", "A little of the time")),
        Choice(2, Text("ときどき", "Some of the time")),
        Choice(3, Text("たいてい", "Most of the time")),
        Choice(4, Text("いつも", "All of the time")),
    ),
    window_days=K6_WINDOW_DAYS,
    source="Kessler et al. 2002/2003; Japanese version Furukawa et al. 2008.",
)


def who5_raw(answers: Iterable[Any]) -> int:
    """WHO-5 raw score, 0–25 (sum of five answers 0–5). Raises ValueError on bad answers."""
    return WHO5.total(answers)


def who5_percent(answers: Iterable[Any]) -> int:
    """WHO-5 percentage score, 0–100 (raw × 4)."""
    return who5_raw(answers) * WHO5_PCT_FACTOR


def k6_total(answers: Iterable[Any] | None) -> int | None:
    """K6 total, 0–24, or ``None`` when the K6 was not asked this time."""
    if answers is None:
        return None
    return K6.total(answers)


# --- weeks and the K6 schedule -------------------------------------------------------------------


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise ValueError(f"expected a date, got {d!r}")  # noqa: TRY004
    return d


def week_start(d: date) -> date:
    """The Monday of ``d``'s ISO week (ISO 8601 weeks start on Monday).

    A ``datetime`` is reduced to its date first (convert it to the company's local time before
    calling). ``week_start(date(2026, 11, 29))`` (a Sunday) → ``date(2026, 11, 23)``.
    """
    d = _as_date(d)
    return d - timedelta(days=d.weekday())


def iso_week(d: date) -> tuple[int, int]:
    """``(ISO year, ISO week number)`` of ``d``, e.g. for labels such as 2026-W48."""
    y, w, _ = _as_date(d).isocalendar()
    return y, w


def k6_due(last_k6_date: date | None, today: date) -> bool:
    """Whether the K6 should be asked at a check-in on ``today``.

    Rule: due when it was never asked, or when at least ``K6_INTERVAL_DAYS`` (28) days have
    passed since it was last asked. The K6 asks about the past 30 days, so asking every 4 weeks
    keeps the windows back to back (they overlap by 2 days) without asking the same 30 days
    twice in a row; with weekly check-ins a 30-day interval would slip to every 5 weeks.
    A ``last_k6_date`` after ``today`` is a data error and raises ValueError.
    """
    today = _as_date(today)
    if last_k6_date is None:
        return True
    last = _as_date(last_k6_date)
    if last > today:
        raise ValueError(f"last K6 date {last} is after today {today}")
    return (today - last).days >= K6_INTERVAL_DAYS


# --- job items -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """One answer of a job item. ``key`` is what is stored; the position in the item is its
    rank (0 = best)."""

    key: str
    label: Text


@dataclass(frozen=True)
class JobItem:
    """A job item with answers ordered best → worst (index 0 = best, last = worst)."""

    id: str
    short: Text  # used inside reason texts
    question: Text
    levels: tuple[Level, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(lv.key for lv in self.levels)

    @property
    def worst(self) -> int:
        return len(self.levels) - 1

    def index(self, key: str) -> int:
        """Rank of an answer key (0 = best). Raises AnswerError for an unknown key."""
        try:
            return self.keys.index(key)
        except ValueError:
            raise AnswerError(
                f"job item {self.id!r}: unknown answer {key!r}; expected one of {list(self.keys)}"
            ) from None


HARASSMENT = JobItem(
    id="harassment",
    short=Text("カスタマーハラスメント", "customer harassment"),
    question=Text(
        "今週、顧客から理不尽な言動（カスタマーハラスメント）を受けた回数は？",
        "This week, how often did you face unreasonable conduct from customers "
        "(customer harassment)?",
    ),
    levels=(
        Level("none", Text("なかった", "None")),
        Level("once", Text("1回", "Once")),
        Level("two_three", Text("2〜3回", "2–3 times")),
        Level("four_plus", Text("4回以上", "4 or more times")),
    ),
)

WORKLOAD = JobItem(
    id="workload",
    short=Text("仕事量", "workload"),
    question=Text("今週の仕事量はどうでしたか？", "How was your workload this week?"),
    levels=(
        Level("manageable", Text("無理なくこなせた", "Manageable")),
        Level("somewhat_heavy", Text("やや多かった", "Somewhat heavy")),
        Level("heavy", Text("多かった", "Heavy")),
        Level("too_heavy", Text("とても多く、こなしきれなかった", "Too much to handle")),
    ),
)

CONSULT = JobItem(
    id="consult",
    short=Text("相談できる人", "someone to consult"),
    question=Text(
        "困ったときに相談できる人がいた",
        "I had someone to consult when I was stuck",
    ),
    levels=(
        Level("agree", Text("そう思う", "Agree")),
        Level("somewhat_agree", Text("ややそう思う", "Somewhat agree")),
        Level("somewhat_disagree", Text("あまりそう思わない", "Somewhat disagree")),
        Level("disagree", Text("そう思わない", "Disagree")),
    ),
)

SLEEP = JobItem(
    id="sleep",
    short=Text("睡眠", "sleep"),
    question=Text("今週はよく眠れましたか？", "Did you sleep well this week?"),
    levels=(
        Level("well", Text("よく眠れた", "Slept well")),
        Level("fairly", Text("まあまあ眠れた", "Fairly well")),
        Level("poorly", Text("あまり眠れなかった", "Not very well")),
        Level("very_poorly", Text("ほとんど眠れなかった", "Hardly at all")),
    ),
)

#: The ordered job items, in the order the check-in page shows them.
JOB_ITEMS: tuple[JobItem, ...] = (HARASSMENT, WORKLOAD, CONSULT, SLEEP)
JOB_ITEMS_BY_ID: dict[str, JobItem] = {item.id: item for item in JOB_ITEMS}

#: Kinds of harassment a person may tick (any number) when exposure is not "none".
HARASSMENT_KINDS: dict[str, Text] = {
    "abusive_language": Text("暴言・侮辱", "Abusive language or insults"),
    "threats": Text("脅迫・脅し", "Threats"),
    "long_calls": Text("長時間の拘束（長電話）", "Very long calls"),
    "repeated_calls": Text("繰り返しの電話・問い合わせ", "Repeated calls"),
    "other": Text("その他", "Other"),
}
HARASSMENT_KINDS_QUESTION = Text(
    "どのような内容でしたか？（あてはまるものをすべて）",
    "What kind? (tick all that apply)",
)

ONE_ON_ONE_QUESTION = Text(
    "担当者との面談（1on1）を希望しますか？",
    "Would you like a one-on-one?",
)
ONE_ON_ONE_CHOICES: dict[bool, Text] = {
    True: Text("希望する", "Yes"),
    False: Text("希望しない", "No"),
}
FREE_TEXT_PROMPT = Text(
    "ほかに伝えたいことがあれば自由にお書きください（任意）",
    "Anything else you'd like to tell us? (optional)",
)


@dataclass(frozen=True)
class JobAnswers:
    """The job part of one check-in. Answers are level keys of :data:`JOB_ITEMS`.

    Validated on construction (AnswerError on an unknown key, kinds given with exposure "none",
    an unknown kind, or free text over ``MAX_FREE_TEXT_CHARS``). ``harassment_kinds`` may be
    empty even when exposure is reported (ticking kinds is optional).
    """

    harassment: str = "none"
    workload: str = "manageable"
    consult: str = "agree"
    sleep: str = "well"
    harassment_kinds: frozenset[str] = field(default_factory=frozenset)
    one_on_one: bool = False
    free_text: str = ""

    def __post_init__(self) -> None:
        for item in JOB_ITEMS:
            value = getattr(self, item.id)
            if not isinstance(value, str):
                msg = f"job item {item.id!r}: answer must be a key string, got {value!r}"
                raise AnswerError(msg)
            item.index(value)
        if isinstance(self.harassment_kinds, str):
            raise AnswerError("harassment_kinds must be a collection of kind keys, not a string")
        kinds = frozenset(self.harassment_kinds)
        unknown = sorted(kinds - HARASSMENT_KINDS.keys())
        if unknown:
            raise AnswerError(
                f"unknown harassment kind(s) {unknown}; expected some of {list(HARASSMENT_KINDS)}"
            )
        if kinds and self.harassment == "none":
            raise AnswerError("harassment kinds were given but harassment exposure is 'none'")
        object.__setattr__(self, "harassment_kinds", kinds)
        if not isinstance(self.one_on_one, bool):
            raise AnswerError(f"one_on_one must be True or False, got {self.one_on_one!r}")
        if self.free_text is None:
            object.__setattr__(self, "free_text", "")
        if not isinstance(self.free_text, str):
            raise AnswerError("free_text must be a string")
        if len(self.free_text) > MAX_FREE_TEXT_CHARS:
            raise AnswerError(
                f"free text is {len(self.free_text)} characters; at most {MAX_FREE_TEXT_CHARS}",
                "checkin.err_free_text_long", n=MAX_FREE_TEXT_CHARS,
            )

    def level(self, item_id: str) -> int:
        """Rank of the answer to job item ``item_id`` (0 = best)."""
        return JOB_ITEMS_BY_ID[item_id].index(getattr(self, item_id))

    def levels(self) -> dict[str, int]:
        """``{item id: rank}`` for every job item (0 = best)."""
        return {item.id: self.level(item.id) for item in JOB_ITEMS}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (for the check-in table's ``job`` column)."""
        return {
            "harassment": self.harassment,
            "workload": self.workload,
            "consult": self.consult,
            "sleep": self.sleep,
            "harassment_kinds": sorted(self.harassment_kinds),
            "one_on_one": self.one_on_one,
            "free_text": self.free_text,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobAnswers:
        """Inverse of :meth:`to_dict`. Unknown keys raise AnswerError; missing keys take the
        defaults (the best level)."""
        allowed = {
            "harassment",
            "workload",
            "consult",
            "sleep",
            "harassment_kinds",
            "one_on_one",
            "free_text",
        }
        extra = sorted(set(data) - allowed)
        if extra:
            raise AnswerError(f"unknown job answer field(s): {extra}")
        kw = dict(data)
        if "harassment_kinds" in kw:
            kinds = kw["harassment_kinds"]
            if isinstance(kinds, str) or not isinstance(kinds, Iterable):
                raise AnswerError("harassment_kinds must be a list of kind keys")
            kw["harassment_kinds"] = frozenset(kinds)
        return cls(**kw)


def validate_who5(answers: Sequence[Any]) -> tuple[int, ...]:
    """Validated WHO-5 answers (5 ints 0–5) or ValueError."""
    return WHO5.validate(answers)


def validate_k6(answers: Sequence[Any] | None) -> tuple[int, ...] | None:
    """Validated K6 answers (6 ints 0–4), ``None`` when not asked, or ValueError."""
    return None if answers is None else K6.validate(answers)
