"""Score an answer 0–100 from its metrics, its rubric result and (optionally) a personal baseline.

Every weight and band lives in ``analysis/bands.toml`` with its source. Content (rubric) and
delivery (how it sounded) are weighted 70/30 by default; without a rubric the delivery score
alone is scaled to 100. Each checked item yields a :class:`Deduction` (``points`` 0 when
nothing was deducted) with a short explanation and, when points were lost, ONE concrete tip,
each in Japanese and English (``Deduction.explanation(lang)``, ``Deduction.tip(lang)``).
Rubric labels and tips come from the scenario and stay Japanese inside the English texts.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis.rubric_match import RubricResult
from analysis.vad import LONG_PAUSE_S

BANDS_PATH = Path(__file__).with_name("bands.toml")
CONTENT = "content"
DELIVERY = "delivery"
DEFAULT_LANG = "ja"  # every text of bands.toml is Japanese, with its English as `<key>_en`


@dataclass
class Deduction:
    """One checked item of the score."""

    key: str  # e.g. "pace", "fillers", "required:apology", "ng:blame", "authority"
    category: str  # "content" or "delivery"
    points: float  # points lost (0 = fine)
    max_points: float  # points this item was worth
    explanation_ja: str
    tip_ja: str = ""  # one concrete tip; empty only when nothing was lost
    value: float | None = None  # the metric value judged, when there is one
    explanation_en: str = ""  # empty in results stored before English was added
    tip_en: str = ""

    def explanation(self, lang: str = DEFAULT_LANG) -> str:
        """The explanation in ``lang`` ("ja" or "en"); Japanese when there is no English."""
        return (self.explanation_en if lang == "en" else "") or self.explanation_ja

    def tip(self, lang: str = DEFAULT_LANG) -> str:
        """The tip in ``lang`` ("ja" or "en"); Japanese when there is no English; "" when
        nothing was lost."""
        return (self.tip_en if lang == "en" else "") or self.tip_ja

    def to_dict(self) -> dict:
        """Its fields; an empty English text is left out (a result stored before English
        existed reads back and writes out unchanged)."""
        d = asdict(self)
        for key in ("explanation_en", "tip_en"):
            if not d[key]:
                del d[key]
        return d


@dataclass
class Score:
    """Total 0–100, pass/fail and the item-by-item breakdown."""

    total: float
    passed: bool
    content: float | None  # points earned for content (None without a rubric)
    delivery: float  # points earned for delivery
    content_max: float
    delivery_max: float
    pass_mark: float
    items: list[Deduction] = field(default_factory=list)

    @property
    def deductions(self) -> list[Deduction]:
        """Items that lost points, largest first."""
        return sorted((d for d in self.items if d.points > 0), key=lambda d: -d.points)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["items"] = [i.to_dict() for i in self.items]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Score:
        d = dict(d)
        d["items"] = [Deduction(**i) for i in d.get("items", [])]
        return cls(**d)


@dataclass(frozen=True)
class Baseline:
    """A person's usual voice, from a calibration recording of neutral text."""

    f0_median_hz: float
    morae_per_s_span: float

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Baseline:
        return cls(float(d["f0_median_hz"]), float(d["morae_per_s_span"]))


def make_baseline(result: Any) -> Baseline:
    """A person's usual voice from an analysis of their calibration recording.

    Parameters
    ----------
    result : AnalysisResult, its metrics, or a mapping
        Anything with ``no_speech``, ``f0_median_hz`` and ``morae_per_s_span`` (attributes or
        keys).

    Returns
    -------
    Baseline
        Median F0 in Hz and pace in morae per second.

    Raises
    ------
    ValueError
        The recording had no speech or no usable pitch/pace.
    """
    get = result.get if isinstance(result, Mapping) else lambda k: getattr(result, k, None)
    if get("no_speech"):
        raise ValueError("calibration recording has no speech")
    f0, pace = get("f0_median_hz"), get("morae_per_s_span")
    if not f0 or not pace:
        raise ValueError("calibration recording has no usable pitch or pace")
    return Baseline(float(f0), float(pace))


@lru_cache(maxsize=4)
def load_bands(path: Path = BANDS_PATH) -> dict:
    """The parsed bands file."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def _fmt(template: str, **kw: Any) -> str:
    try:
        return template.format(**kw)
    except (KeyError, ValueError, IndexError):
        return template


def band_text(entry: Mapping[str, Any], key: str, lang: str = DEFAULT_LANG, **values: Any) -> str:
    """A text of ``bands.toml`` in one language, filled in.

    Parameters
    ----------
    entry : mapping
        A table of the bands file (``[content]``, a ``[delivery.*]`` item or one of its bands).
    key : str
        The Japanese key (``"explanation"``, ``"tip"``, ``"good"``, ``"missing_tip"``…); the
        English is ``key + "_en"``.
    lang : {"ja", "en"}, default "ja"
        The language; English falls back to the Japanese when the file has no English text.
    **values
        Placeholders (``value``, ``pct``, ``long_pause_s``, ``label``…); a template whose
        placeholder is missing is returned unformatted.

    Returns
    -------
    str
        The text, ``""`` when the entry has none.
    """
    template = (entry.get(f"{key}_en") if lang == "en" else None) or entry.get(key, "")
    return _fmt(template, **values)


def _texts(entry: Mapping[str, Any], key: str, **values: Any) -> tuple[str, str]:
    """(Japanese, English) of one text."""
    return band_text(entry, key, "ja", **values), band_text(entry, key, "en", **values)


def _band(value: float, bands: list[dict]) -> dict | None:
    for b in bands:
        if b.get("min", -math.inf) <= value < b.get("max", math.inf):
            return b
    return None


def derived_metrics(metrics: Mapping[str, Any], baseline: Baseline | None) -> dict[str, Any]:
    """Metrics plus those relative to a baseline.

    Parameters
    ----------
    metrics : mapping
        Metric name → value (``f0_median_hz`` in Hz, ``morae_per_s_span`` in morae/s…).
    baseline : Baseline or None
        The person's usual voice.

    Returns
    -------
    dict
        ``metrics`` with ``f0_vs_usual_st`` (semitones above the usual median F0, 3 decimals)
        and ``pace_vs_usual_ratio`` (pace / usual pace, 3 decimals); ``None`` without a
        baseline or the metric.
    """
    m = dict(metrics)
    m.setdefault("f0_vs_usual_st", None)
    m.setdefault("pace_vs_usual_ratio", None)
    if baseline is not None:
        if m.get("f0_median_hz") and baseline.f0_median_hz > 0:
            m["f0_vs_usual_st"] = round(
                12 * math.log2(m["f0_median_hz"] / baseline.f0_median_hz), 3
            )
        if m.get("morae_per_s_span") and baseline.morae_per_s_span > 0:
            m["pace_vs_usual_ratio"] = round(m["morae_per_s_span"] / baseline.morae_per_s_span, 3)
    return m


def _delivery_items(metrics: Mapping[str, Any], cfg: dict, total_points: float) -> list[Deduction]:
    applicable = [
        (key, item)
        for key, item in cfg["delivery"].items()
        if metrics.get(item["metric"]) is not None
    ]
    weight_sum = sum(item["weight"] for _, item in applicable)
    out = []
    for key, item in applicable:
        value = float(metrics[item["metric"]])
        max_points = total_points * item["weight"] / weight_sum if weight_sum else 0.0
        band = _band(value, item.get("bands", []))
        kw = {"value": value, "pct": value * 100, "long_pause_s": LONG_PAUSE_S}
        if band is None:
            ja, en = _texts(item, "good", **kw)
            out.append(
                Deduction(
                    key,
                    DELIVERY,
                    0.0,
                    round(max_points, 2),
                    ja,
                    "",
                    value,
                    explanation_en=en,
                )
            )
        else:
            ja, en = _texts(band, "explanation", **kw)
            tip_ja, tip_en = _texts(band, "tip", **kw)
            out.append(
                Deduction(
                    key,
                    DELIVERY,
                    round(max_points * band["deduct"], 2),
                    round(max_points, 2),
                    ja,
                    tip_ja,
                    value,
                    explanation_en=en,
                    tip_en=tip_en,
                )
            )
    return out


def _content_items(rr: RubricResult, cfg: dict, total_points: float) -> list[Deduction]:
    """Content items. A scenario's own tip (``PhraseGroup.tip``) is Japanese only: its English
    is left empty, so the English UI shows it as written."""
    c = cfg["content"]
    out: list[Deduction] = []
    weight_sum = sum(g.weight for g in rr.required)
    for g in rr.required:
        pts = round(total_points * g.weight / weight_sum if weight_sum else 0.0, 2)
        key = f"required:{g.id}"
        if g.found:
            # recognition garbled the words (a fuzzy match): quote them with the intended phrase
            fuzzy = bool(getattr(g, "layer", "phrase") == "phrase" and g.phrase and g.matched_text
                         and g.distance and g.matched_text != g.phrase)
            ja, en = _texts(c, "found_fuzzy_explanation" if fuzzy and "found_fuzzy_explanation" in c
                            else "found_explanation", label=g.label, matched=g.matched_text,
                            phrase=g.phrase)
            out.append(Deduction(key, CONTENT, 0.0, pts, ja, explanation_en=en))
        else:
            ja, en = _texts(c, "missing_explanation", label=g.label)
            if g.tip:
                tip_ja, tip_en = g.tip, ""
            else:
                tip_ja, tip_en = _texts(c, "missing_tip", example=g.example or g.label)
            out.append(
                Deduction(key, CONTENT, pts, pts, ja, tip_ja, explanation_en=en, tip_en=tip_en)
            )
    ng_points = float(c["ng_points"])
    for g in rr.ng_found:
        ja, en = _texts(c, "ng_explanation", label=g.label, matched=g.matched_text)
        tip_ja, tip_en = (g.tip, "") if g.tip else _texts(c, "ng_tip")
        out.append(
            Deduction(
                f"ng:{g.id}", CONTENT, ng_points, ng_points, ja, tip_ja,
                explanation_en=en, tip_en=tip_en,
            )
        )  # fmt: skip
    over = rr.over_limit
    if over:
        worst = max(over, key=lambda a: a.yen)
        points = float(c["over_limit_points"])
        key = ("over_limit_full_explanation" if getattr(worst, "full_refund", False)
               else "over_limit_explanation")  # 「全額返金」 without an amount
        ja, en = _texts(c, key, limit=rr.max_refund_yen, yen=worst.yen)
        tip_ja, tip_en = _texts(c, "over_limit_tip")
        out.append(
            Deduction(
                "authority", CONTENT, points, points, ja, tip_ja, float(worst.yen),
                explanation_en=en, tip_en=tip_en,
            )
        )  # fmt: skip
    elif rr.max_refund_yen is not None and rr.escalation is not None and rr.escalation.found:
        ja, en = _texts(c, "escalation_good")
        out.append(Deduction("authority", CONTENT, 0.0, 0.0, ja, explanation_en=en))
    return out


def score(
    metrics: Mapping[str, Any],
    rubric_result: RubricResult | None = None,
    baseline: Baseline | None = None,
    *,
    bands: dict | None = None,
) -> Score:
    """Score an answer 0–100 (weights and bands: ``bands.toml``).

    Parameters
    ----------
    metrics : mapping
        Any of ``morae_per_s_span`` (morae/s), ``filler_ratio`` (0–1), ``long_pause_count``,
        ``f0_sd_st`` (semitones), ``f0_median_hz`` (Hz), ``loudness_dbfs`` (dBFS, ≤ 0),
        ``clipping_ratio`` (0–1), ``snr_db`` (dB). Missing or ``None`` metrics are not judged
        and the other delivery items share their points.
    rubric_result : RubricResult, optional
        Content is scored only when given (70 content / 30 delivery); without it delivery is
        scaled to 100.
    baseline : Baseline, optional
        Adds the pitch-vs-usual and pace-vs-usual items.
    bands : dict, optional
        A parsed bands file (default :func:`load_bands`).

    Returns
    -------
    Score
        Total 0–100 (one decimal), passed (total ≥ pass mark), content and delivery points and
        every item as a :class:`Deduction` with its texts in Japanese and English.
    """
    cfg = bands or load_bands()
    m = derived_metrics(metrics, baseline)
    if rubric_result is not None:
        content_max = float(cfg["weights"]["content"])
        delivery_max = float(cfg["weights"]["delivery"])
    else:
        content_max, delivery_max = (
            0.0,
            float(cfg["weights"]["content"] + cfg["weights"]["delivery"]),
        )
    items = []
    content = None
    if rubric_result is not None:
        citems = _content_items(rubric_result, cfg, content_max)
        content = max(0.0, content_max - sum(d.points for d in citems))
        items += citems
    ditems = _delivery_items(m, cfg, delivery_max)
    applicable_delivery = sum(d.max_points for d in ditems)
    delivery = max(0.0, applicable_delivery - sum(d.points for d in ditems))
    if not ditems:
        delivery = delivery_max  # nothing measurable: do not punish
    items += ditems
    total = round((content or 0.0) + delivery, 1)
    total = min(100.0, max(0.0, total))
    pass_mark = float(cfg["pass_mark"])
    return Score(
        total=total,
        passed=total >= pass_mark,
        content=round(content, 1) if content is not None else None,
        delivery=round(delivery, 1),
        content_max=content_max,
        delivery_max=delivery_max,
        pass_mark=pass_mark,
        items=items,
    )
