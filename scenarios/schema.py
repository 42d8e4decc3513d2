"""The shape of a role-play scenario (pydantic v2).

A scenario is a small directed acyclic graph of *turns*. Each turn is one customer line; the
trainee answers it, the analysis engine scores the answer against the turn's rubric, and the
turn's ordered ``branches`` pick the next turn from what was found (or missed) in the answer.
A turn without branches ends the scenario.

Phrase groups (apology, empathy, blame, …) are defined once in ``scenarios/phrases.toml`` and
referenced by id from turns. A turn may also add phrases to a shared group, or define a group of
its own::

    required = [
      "apology",                                             # shared group as is
      { id = "repeat_back", phrases = ["まだ届いていない"] },  # shared group + extra phrases
      { id = "redelivery", label = "再配達の提案", phrases = ["再配達"], tip = "…" },  # local
    ]

The references are resolved while validating, against the phrase library passed as validation
context (``Scenario.model_validate(data, context={"phrases": library})``); without a context the
package's own ``phrases.toml`` is used. After validation every turn holds complete groups, and
``Turn.rubric()`` returns the :class:`analysis.rubric.Rubric` the scorer expects.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from analysis.rubric import PhraseGroup, Rubric

from .branching import find_cycle, reachable

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PHRASES_FILE = PACKAGE_DIR / "phrases.toml"

VOICES: tuple[str, ...] = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
Voice = Literal["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]
Channel = Literal["phone", "video"]

#: Topic tags a scenario may carry (a closed list, so that a typo is an error, not a new filter).
Tag = Literal[
    "配送",
    "返金",
    "請求",
    "不良品",
    "個人情報",
    "セキュリティ",
    "カスハラ",
    "高齢者",
    "ビデオ通話",
    "再発",
    "繰り返しの問い合わせ",
    "エスカレーション",
    "接客態度",
    "法人顧客",
]
TAGS: tuple[str, ...] = get_args(Tag)
#: The English name of each tag (the topic filter of the English UI).
TAG_EN: dict[str, str] = {
    "配送": "Delivery",
    "返金": "Refund",
    "請求": "Billing",
    "不良品": "Defective product",
    "個人情報": "Personal data",
    "セキュリティ": "Security",
    "カスハラ": "Customer harassment",
    "高齢者": "Elderly customer",
    "ビデオ通話": "Video call",
    "再発": "Recurrence",
    "繰り返しの問い合わせ": "Repeat enquiry",
    "エスカレーション": "Escalation",
    "接客態度": "Staff attitude",
    "法人顧客": "Business customer",
}
HARASSMENT_TAG = "カスハラ"

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Speed = Annotated[float, Field(ge=0.7, le=1.3)]
JaText = Annotated[str, Field(min_length=1)]

_LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")

#: Presupposition facts besides group ids: some NG group was said / more money was promised
#: than the trainee may give.
NG_FACT = "ng"
OVER_AUTHORITY_FACT = "over_authority"
Assumption = Annotated[
    str, Field(pattern=r"^!?[a-z][a-z0-9_]*(\|!?[a-z][a-z0-9_]*)*$", max_length=200)
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- phrase groups


class SharedGroup(_Model):
    """One entry of ``phrases.toml`` (the id is the table name).

    ``careless = true`` (NG groups only) marks what a careless answer says at any point of a call
    (blame, 「でも」, rules as a shield, a flat 「できません」, passing the customer on, casual
    speech): every turn of every scenario must check these groups, or exempt one with a reason
    (``ng_exempt``).
    """

    kind: Literal["required", "ng"]
    label: JaText
    label_en: str = ""
    phrases: tuple[JaText, ...] = Field(min_length=1)
    tip: str = ""
    tip_en: str = ""
    weight: float = Field(default=1.0, gt=0, le=5)
    careless: bool = False

    @model_validator(mode="after")
    def _careless_is_ng(self) -> SharedGroup:
        if self.careless and self.kind != "ng":
            raise ValueError("`careless = true` is for NG groups only")
        return self


PhraseLibrary = dict[str, SharedGroup]
_LIBRARY_ADAPTER = TypeAdapter(dict[Id, SharedGroup])


def parse_phrase_library(data: dict[str, Any]) -> PhraseLibrary:
    """Validate the contents of a ``phrases.toml`` (raises ``pydantic.ValidationError``)."""
    return _LIBRARY_ADAPTER.validate_python(data)


@lru_cache(maxsize=1)
def default_phrase_library() -> PhraseLibrary:
    """The package's own ``phrases.toml`` (read once)."""
    with DEFAULT_PHRASES_FILE.open("rb") as f:
        return parse_phrase_library(tomllib.load(f))


class Group(_Model):
    """A fully resolved phrase group as used by one turn."""

    id: Id
    label: JaText
    label_en: str = ""
    phrases: tuple[JaText, ...] = Field(min_length=1)
    tip: str = ""
    tip_en: str = ""
    weight: float = Field(default=1.0, gt=0, le=5)
    shared: bool = Field(default=False, description="Comes from phrases.toml (maybe extended).")

    def to_phrase_group(self) -> PhraseGroup:
        return PhraseGroup(
            id=self.id, label=self.label, phrases=self.phrases, tip=self.tip, weight=self.weight
        )


def _library_from(info: ValidationInfo) -> PhraseLibrary:
    ctx = info.context or {}
    lib = ctx.get("phrases") if isinstance(ctx, dict) else None
    return lib if lib is not None else default_phrase_library()


def _resolve(value: Any, info: ValidationInfo, kind: Literal["required", "ng"]) -> Any:
    """Turn a reference (``"apology"`` or an inline table) into a complete group dict."""
    if isinstance(value, Group):
        return value
    lib = _library_from(info)
    if isinstance(value, str):
        if value not in lib:
            raise PydanticCustomError(
                "unknown_phrase_group",
                f"unknown phrase group {value!r}: define it in phrases.toml, or inline "
                "as a table with id, label and phrases",
            )
        value = {"id": value}
    if not isinstance(value, dict):
        return value  # let the Group model report the type error
    gid = value.get("id")
    shared = lib.get(gid) if isinstance(gid, str) else None
    if shared is None:
        return value  # a turn-local group: must be complete on its own
    if shared.kind != kind:
        raise PydanticCustomError(
            "phrase_group_kind",
            f"phrase group {gid!r} is a {shared.kind!r} group; it cannot be used in `{kind}`",
        )
    extra = value.get("phrases", ())
    if isinstance(extra, str) or not isinstance(extra, (list, tuple)):
        return {**value, "phrases": extra}  # invalid: let validation report it
    phrases = list(dict.fromkeys([*shared.phrases, *extra]))
    own = {"id", "label", "label_en", "phrases", "tip", "tip_en", "weight"}
    return {
        "id": gid,
        "label": value.get("label", shared.label),
        # an overridden Japanese label/tip without its English keeps no stale translation
        "label_en": value.get("label_en", shared.label_en if "label" not in value else ""),
        "phrases": phrases,
        "tip": value.get("tip", shared.tip),
        "tip_en": value.get("tip_en", shared.tip_en if "tip" not in value else ""),
        "weight": value.get("weight", shared.weight),
        "shared": True,
        **{k: v for k, v in value.items() if k not in own},
    }


def _resolve_required(value: Any, info: ValidationInfo) -> Any:
    return _resolve(value, info, "required")


def _resolve_ng(value: Any, info: ValidationInfo) -> Any:
    return _resolve(value, info, "ng")


RequiredGroup = Annotated[Group, BeforeValidator(_resolve_required)]
NgGroup = Annotated[Group, BeforeValidator(_resolve_ng)]


# --------------------------------------------------------------------------- branches


class Branch(_Model):
    """One ordered branching rule; the first rule whose conditions all hold wins.

    Conditions (all given ones must hold):
      * ``if_missing``: at least one of these required groups was missed.
      * ``if_found``: every one of these required groups was found.
      * ``if_ng``: ``true`` = any NG group was found; a list = one of these NG groups was found.
      * ``if_over_authority``: ``true`` = the answer promised more money than ``max_refund_yen``.
      * ``otherwise``: always holds; must be the last rule, alone.
    Target: ``goto = "<turn id>"`` or ``end = true``.
    """

    if_missing: tuple[Id, ...] = ()
    if_found: tuple[Id, ...] = ()
    if_ng: bool | tuple[Id, ...] = False
    if_over_authority: bool = False
    otherwise: bool = False
    goto: Id | None = None
    end: bool = False
    hangs_up: bool = Field(
        default=False,
        description="With end = true: the customer ends the call (it fails whatever the scores).",
    )
    why: str = Field(
        default="",
        description="Shown in the feedback when this rule chose the next turn: what the answer "
        "did and how the customer reacts to it (ja).",
    )
    why_en: str = ""

    @model_validator(mode="after")
    def _check(self) -> Branch:
        if (self.goto is None) == (not self.end):
            raise ValueError('a branch needs exactly one of `goto = "<turn id>"` or `end = true`')
        if self.hangs_up and not self.end:
            raise ValueError("`hangs_up = true` goes with `end = true` (the customer ends the call)")
        conditions = bool(self.if_missing or self.if_found or self.if_ng or self.if_over_authority)
        if self.otherwise and conditions:
            raise ValueError("`otherwise = true` cannot be combined with other conditions")
        if not self.otherwise and not conditions:
            raise ValueError(
                "a branch needs a condition (if_missing, if_found, if_ng, if_over_authority) "
                "or `otherwise = true`"
            )
        return self

    def matches(
        self, *, found: set[str], missed: set[str], ng_found: set[str], over_authority: bool
    ) -> bool:
        if self.otherwise:
            return True
        if self.if_missing and not any(g in missed for g in self.if_missing):
            return False
        if self.if_found and not all(g in found for g in self.if_found):
            return False
        if self.if_ng is True and not ng_found:
            return False
        if isinstance(self.if_ng, tuple) and self.if_ng and not (set(self.if_ng) & ng_found):
            return False
        return not (self.if_over_authority and not over_authority)

    def atoms(self) -> list[tuple[frozenset[str], frozenset[str]]]:
        """This rule's conditions, each as the facts (found, absent) it guarantees when it holds.

        Facts are group ids (a required group found / an NG group said), ``"ng"`` (some NG group
        said) and ``"over_authority"``. Used to work out what a path through a scenario
        guarantees the trainee has said (see :meth:`Scenario.presupposition_errors`).
        """
        atoms: list[tuple[frozenset[str], frozenset[str]]] = []
        if self.if_missing:
            # "one of these was missed": a fact only when there is one id
            gone = frozenset(self.if_missing) if len(self.if_missing) == 1 else frozenset()
            atoms.append((frozenset(), gone))
        if self.if_found:
            atoms.append((frozenset(self.if_found), frozenset()))
        if self.if_ng is True:
            atoms.append((frozenset({NG_FACT}), frozenset()))
        elif isinstance(self.if_ng, tuple) and self.if_ng:
            said = frozenset(self.if_ng) if len(self.if_ng) == 1 else frozenset()
            atoms.append((said | {NG_FACT}, frozenset()))
        if self.if_over_authority:
            atoms.append((frozenset({OVER_AUTHORITY_FACT}), frozenset()))
        return atoms

    def failed_facts(self, turn_ng: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
        """What is guaranteed when this rule did NOT hold (it was tried and passed over).

        The negation of several conditions is a disjunction, so only a rule with a single
        condition yields facts: not "one of A, B missed" = A and B found; not "A found" = A
        missed; not "any NG" = no NG group at all; not "one of these NG" = none of them;
        not "over authority" = within it.
        """
        conditions = sum(
            bool(c) for c in (self.if_missing, self.if_found, self.if_ng, self.if_over_authority)
        )
        if self.otherwise or conditions != 1:
            return frozenset(), frozenset()
        if self.if_missing:
            return frozenset(self.if_missing), frozenset()
        if self.if_found:
            gone = frozenset(self.if_found) if len(self.if_found) == 1 else frozenset()
            return frozenset(), gone
        if self.if_ng is True:
            return frozenset(), frozenset({NG_FACT, *turn_ng})
        if isinstance(self.if_ng, tuple):
            return frozenset(), frozenset(self.if_ng)
        return frozenset(), frozenset({OVER_AUTHORITY_FACT})


# --------------------------------------------------------------------------- turns


class Turn(_Model):
    id: Id
    customer: JaText = Field(description="The customer's line (spoken by TTS).")
    goal: JaText = Field(description="What the trainee's answer should achieve.")
    hints: tuple[JaText, ...] = ()
    required: tuple[RequiredGroup, ...] = ()
    ng: tuple[NgGroup, ...] = ()
    max_refund_yen: int | None = Field(default=None, ge=0)
    full_refund_yen: int | None = Field(
        default=None,
        ge=0,
        description="What 「全額返金」 counts as against the limit (default: the scenario's).",
    )
    model_answer: JaText
    mood: str = Field(default="", description="Optional mood of the customer in this turn.")
    speed: Speed | None = Field(default=None, description="Overrides the persona's speed.")
    branches: tuple[Branch, ...] = ()
    assumes: tuple[Assumption, ...] = Field(
        default=(),
        description="What the customer's line presupposes the trainee said: a group id (said in "
        "some earlier answer of the call), 'ng' (some NG group said earlier), 'over_authority' "
        "(more money promised earlier), or '!<id>' / '!ng' / '!over_authority' (the answer that "
        "led here did not contain it); 'a|b' holds when either does. Every path to this turn "
        "must guarantee each entry.",
    )
    ng_exempt: dict[Id, JaText] = Field(
        default_factory=dict,
        description="Careless-answer NG groups (or scenario-wide `ng`) this turn does not check, "
        "each with the reason (e.g. the model answer must quote the customer's words).",
    )
    goal_en: str = ""
    hints_en: tuple[str, ...] = ()
    mood_en: str = ""

    @field_validator("customer")
    @classmethod
    def _speakable(cls, v: str) -> str:
        if m := _LATIN.search(v):
            raise ValueError(
                f"customer lines are read by TTS: write English words in katakana "
                f"(found {m.group()!r} in {v[max(0, m.start() - 8) : m.end() + 8]!r})"
            )
        return v

    @model_validator(mode="after")
    def _check(self) -> Turn:
        ids = [g.id for g in (*self.required, *self.ng)]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"phrase group ids used twice in one turn: {dupes}")
        req = {g.id for g in self.required}
        ng = {g.id for g in self.ng}
        both = sorted(ng & set(self.ng_exempt))
        if both:
            raise ValueError(f"ng_exempt names groups this turn checks anyway: {both}")
        for i, b in enumerate(self.branches):
            for gid in (*b.if_missing, *b.if_found):
                if gid not in req:
                    raise ValueError(
                        f"branches[{i}] refers to {gid!r}, which is not in this turn's `required`"
                    )
            if isinstance(b.if_ng, tuple):
                for gid in b.if_ng:
                    if gid not in ng:
                        raise ValueError(
                            f"branches[{i}] refers to {gid!r}, which is not in this turn's `ng`"
                        )
            if b.if_over_authority and self.max_refund_yen is None:
                raise ValueError(
                    f"branches[{i}] uses if_over_authority but the turn has no max_refund_yen"
                )
            if b.otherwise and i != len(self.branches) - 1:
                raise ValueError(f"branches[{i}]: `otherwise` must be the last rule")
        if self.branches and not self.branches[-1].otherwise:
            raise ValueError(
                "the last branch must be `otherwise = true` (with goto or end = true), "
                "so that every answer leads somewhere"
            )
        return self

    def branch_for(
        self, *, found: set[str], missed: set[str], ng_found: set[str], over_authority: bool
    ) -> Branch | None:
        """The rule that decides what comes after this answer (``None``: the turn ends the call).

        Same order as :func:`scenarios.branching.next_turn`; the caller shows ``why`` of it."""
        for rule in self.branches:
            if rule.matches(
                found=found, missed=missed, ng_found=ng_found, over_authority=over_authority
            ):
                return rule
        return None

    def edge_facts(self, index: int) -> tuple[frozenset[str], frozenset[str]]:
        """(said, not said) guaranteed about the answer when ``branches[index]`` is taken:
        its own conditions held and every earlier rule's did not."""
        said: set[str] = set()
        absent: set[str] = set()
        ng_ids = [g.id for g in self.ng]
        for earlier in self.branches[:index]:
            f, a = earlier.failed_facts(ng_ids)
            said |= f
            absent |= a
        for f, a in self.branches[index].atoms():
            said |= f
            absent |= a
        return frozenset(said), frozenset(absent)

    @property
    def is_end(self) -> bool:
        """True when the scenario always ends after this turn."""
        return not self.branches

    def targets(self) -> tuple[str, ...]:
        """The distinct turn ids this turn can lead to (in rule order)."""
        return tuple(dict.fromkeys(b.goto for b in self.branches if b.goto is not None))

    def can_end(self) -> bool:
        return not self.branches or any(b.end for b in self.branches)

    def rubric(self) -> Rubric:
        """The content criteria for the scorer, with shared groups expanded."""
        return Rubric(
            required=tuple(g.to_phrase_group() for g in self.required),
            ng=tuple(g.to_phrase_group() for g in self.ng),
            max_refund_yen=self.max_refund_yen,
            full_refund_yen=self.full_refund_yen,
        )


# --------------------------------------------------------------------------- scenario


class Persona(_Model):
    name: JaText
    mood: JaText
    mood_en: str = ""
    voice: Voice
    speed: Speed = 1.0
    profile: str = Field(default="", description="Age, situation, way of speaking (ja).")


def _graph_error(
    loc: tuple[str | int, ...], msg: str, value: Any, *, turn: str = "", path: str = ""
) -> InitErrorDetails:
    """A scenario-level error; ``turn`` and ``path`` travel in the error's ``ctx``."""
    ctx = {k: v for k, v in (("turn", turn), ("path", path)) if v}
    return InitErrorDetails(
        type=PydanticCustomError("scenario_graph", msg.replace("{", "{{").replace("}", "}}"), ctx),
        loc=loc,
        input=value,
    )


def _ng_id(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        return entry["id"]
    return None


def _merge_ng(
    own: Any, own_exempt: Any, scen_ng: list[Any], scen_exempt: dict[str, Any]
) -> tuple[Any, Any]:
    """A turn's NG list and exemptions with the scenario-wide ones merged in (turn first).

    A group in both keeps the turn's label/tip and gets the phrases of both."""
    if not isinstance(own, list) or not isinstance(own_exempt, dict):
        return own, own_exempt  # let validation report the type
    merged = list(own)
    ids = [_ng_id(e) for e in merged]
    exempt = {k: v for k, v in scen_exempt.items() if k not in ids} | own_exempt
    for entry in scen_ng:
        gid = _ng_id(entry)
        if gid is None or gid in exempt:
            if gid is None:
                merged.append(entry)
            continue
        if gid not in ids:
            merged.append(entry)
            ids.append(gid)
            continue
        extra = entry.get("phrases", []) if isinstance(entry, dict) else []
        if not extra:
            continue
        i = ids.index(gid)
        mine = merged[i] if isinstance(merged[i], dict) else {"id": gid}
        phrases = mine.get("phrases", [])
        if isinstance(phrases, list) and isinstance(extra, list):
            merged[i] = {**entry, **mine, "phrases": [*extra, *phrases]}
    return merged, exempt


def format_path(scenario: Scenario, path: tuple[tuple[str, int], ...]) -> str:
    """``t1 →[if_missing apology] t2_angry →[otherwise] t3`` for a walk's path."""
    out = path[0][0]
    for (tid, j), (nxt, _) in pairwise(path):
        out += f" →[{describe_branch(scenario.turn(tid).branches[j])}] {nxt}"
    return out


def describe_branch(b: Branch) -> str:
    """A short text of a rule's condition, e.g. ``if_missing apology`` or ``otherwise``."""
    if b.otherwise:
        return "otherwise"
    parts = []
    if b.if_missing:
        parts.append("if_missing " + ",".join(b.if_missing))
    if b.if_found:
        parts.append("if_found " + ",".join(b.if_found))
    if b.if_ng is True:
        parts.append("if_ng")
    elif isinstance(b.if_ng, tuple) and b.if_ng:
        parts.append("if_ng " + ",".join(b.if_ng))
    if b.if_over_authority:
        parts.append("if_over_authority")
    return " & ".join(parts)


class Scenario(_Model):
    id: Id
    version: int = Field(ge=1)
    title: JaText
    title_en: JaText
    summary: str = Field(default="", description="One or two sentences for the scenario list.")
    summary_en: str = ""
    tags: tuple[Tag, ...] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=3)
    channel: Channel
    harassment: bool = Field(
        default=False, description="A カスハラ training scenario (completion must be recorded)."
    )
    persona: Persona
    situation: JaText = Field(description="What the trainee knows before the call (ja).")
    situation_en: str = ""
    max_refund_yen: int | None = Field(
        default=None, ge=0, description="Default authority limit for turns that set none."
    )
    full_refund_yen: int | None = Field(
        default=None,
        ge=0,
        description="What 「全額返金」 counts as against the authority limit: the order's price, "
        "or 0 when a full refund is within the authority (a cancellation). None = unknown.",
    )
    start: Id
    ng: tuple[NgGroup, ...] = Field(
        default=(), description="NG groups every turn checks besides its own (merged by id)."
    )
    ng_exempt: dict[Id, JaText] = Field(
        default_factory=dict,
        description="Careless-answer groups no turn of this scenario checks, with the reason.",
    )
    turns: tuple[Turn, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _inherit_defaults(cls, data: Any) -> Any:
        """Copy the scenario-wide authority limit, NG groups and exemptions into every turn."""
        if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
            return data
        limit = data.get("max_refund_yen")
        full = data.get("full_refund_yen")
        scen_ng = data.get("ng") if isinstance(data.get("ng"), list) else []
        scen_exempt = data.get("ng_exempt") if isinstance(data.get("ng_exempt"), dict) else {}
        turns = []
        for t in data["turns"]:
            if not isinstance(t, dict):
                turns.append(t)
                continue
            t = dict(t)
            if limit is not None and t.get("max_refund_yen") is None:
                t["max_refund_yen"] = limit
            if full is not None and t.get("full_refund_yen") is None:
                t["full_refund_yen"] = full
            if scen_ng or scen_exempt:
                t["ng"], t["ng_exempt"] = _merge_ng(t.get("ng", []), t.get("ng_exempt", {}),
                                                    scen_ng, scen_exempt)
            turns.append(t)
        return {**data, "turns": turns}

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("tags must not repeat")
        return v

    @model_validator(mode="wrap")
    @classmethod
    def _check_graph(cls, data: Any, handler: Any, info: ValidationInfo) -> Scenario:
        inst: Scenario = handler(data)
        errors = inst._graph_errors()
        if not errors:
            errors = inst._careless_errors(_library_from(info)) + inst.presupposition_errors(
                _library_from(info)
            )
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return inst

    def _careless_errors(self, library: PhraseLibrary) -> list[InitErrorDetails]:
        """Every turn checks the careless-answer NG groups of the library (or exempts one)."""
        careless = sorted(gid for gid, g in library.items() if g.careless)
        errors: list[InitErrorDetails] = []
        for i, t in enumerate(self.turns):
            missing = [g for g in careless if g not in {n.id for n in t.ng} | set(t.ng_exempt)]
            if missing:
                errors.append(_graph_error(
                    ("turns", i, "ng"),
                    f"turn {t.id!r} does not check the careless-answer NG groups {missing}: add "
                    "them to the scenario's `ng` (or the turn's), or exempt them with a reason "
                    "in `ng_exempt`",
                    [n.id for n in t.ng],
                    turn=t.id,
                ))
            allowed = set(careless) | {n.id for n in self.ng}
            for gid in t.ng_exempt:
                if gid not in allowed and gid not in self.ng_exempt:
                    errors.append(_graph_error(
                        ("turns", i, "ng_exempt", gid),
                        f"ng_exempt names {gid!r}, which is neither a careless-answer group nor "
                        "in the scenario's `ng` (nothing to exempt)",
                        gid,
                        turn=t.id,
                    ))
        return errors

    def presupposition_errors(self, library: PhraseLibrary | None = None) -> list[InitErrorDetails]:
        """Lines whose ``assumes`` some path to them does not guarantee (one error per line and
        assumption, naming the first such path)."""
        library = library if library is not None else default_phrase_library()
        known = set(library) | {NG_FACT, OVER_AUTHORITY_FACT}
        known |= {g.id for t in self.turns for g in (*t.required, *t.ng)}
        index = {t.id: i for i, t in enumerate(self.turns)}
        errors: list[InitErrorDetails] = []
        reported: set[tuple[str, str]] = set()
        for t in self.turns:
            for k, a in enumerate(t.assumes):
                if any(alt.lstrip("!") not in known for alt in a.split("|")):
                    reported.add((t.id, a))
                    errors.append(_graph_error(
                        ("turns", index[t.id], "assumes", k),
                        f"turn {t.id!r} assumes {a!r}, which is no phrase group of this scenario "
                        "or phrases.toml (nor 'ng' / 'over_authority')",
                        a,
                        turn=t.id,
                    ))
        for path, said, absent in self.walks():
            turn = self.turn(path[-1][0])
            for k, a in enumerate(turn.assumes):
                if (turn.id, a) in reported:
                    continue
                if any(
                    (len(path) == 1 or alt[1:] in absent) if alt.startswith("!") else alt in said
                    for alt in a.split("|")
                ):
                    continue
                reported.add((turn.id, a))
                route = format_path(self, path)
                what = " or ".join(
                    f"the answer before it lacked {alt[1:]!r}" if alt.startswith("!")
                    else f"{alt!r} was said earlier in the call"
                    for alt in a.split("|")
                )
                errors.append(_graph_error(
                    ("turns", index[turn.id], "assumes", k),
                    f"turn {turn.id!r} presupposes that {what}, but the path {route} does not "
                    "guarantee it: branch on it before this turn (if_found / if_missing / if_ng) "
                    "or reword the line",
                    a,
                    turn=turn.id,
                    path=route,
                ))
        return errors

    def walks(self, *, limit: int = 100_000) -> Iterator[tuple[tuple[tuple[str, int], ...],
                                                             frozenset[str], frozenset[str]]]:
        """Every way to reach every turn, rule by rule: ``(path, said, absent)``.

        ``path`` is ``((turn id, index of the rule taken), …)`` ending with the reached turn
        (its rule index is -1); ``said`` the facts guaranteed by some rule on the way, ``absent``
        those guaranteed missing from the last answer. Call only on an acyclic scenario.
        """
        count = 0
        stack: list[tuple[tuple[tuple[str, int], ...], frozenset[str], frozenset[str]]] = [
            (((self.start, -1),), frozenset(), frozenset())
        ]
        while stack:
            path, said, absent = stack.pop()
            count += 1
            if count > limit:
                raise ValueError(f"more than {limit} walks through {self.id!r}")
            yield path, said, absent
            turn = self.turn(path[-1][0])
            for j in reversed(range(len(turn.branches))):
                b = turn.branches[j]
                if b.goto is None:
                    continue
                f, a = turn.edge_facts(j)
                stack.append(((*path[:-1], (turn.id, j), (b.goto, -1)), said | f, a))

    def _graph_errors(self) -> list[InitErrorDetails]:
        errors: list[InitErrorDetails] = []
        index: dict[str, int] = {}
        for i, t in enumerate(self.turns):
            if t.id in index:
                errors.append(
                    _graph_error(("turns", i, "id"), f"turn id {t.id!r} is used twice", t.id)
                )
            index.setdefault(t.id, i)
        if self.start not in index:
            errors.append(
                _graph_error(("start",), f"start {self.start!r} is not a turn id", self.start)
            )
        for i, t in enumerate(self.turns):
            for j, b in enumerate(t.branches):
                if b.goto is not None and b.goto not in index:
                    errors.append(
                        _graph_error(
                            ("turns", i, "branches", j, "goto"),
                            f"goto {b.goto!r} (in turn {t.id!r}) is not a turn id",
                            b.goto,
                        )
                    )
        if (self.harassment) != (HARASSMENT_TAG in self.tags):
            errors.append(
                _graph_error(
                    ("harassment",),
                    f"harassment = true and the tag {HARASSMENT_TAG!r} go together",
                    self.harassment,
                )
            )
        if errors:
            return errors
        graph = {t.id: t.targets() for t in self.turns}
        cycle = find_cycle(graph)
        if cycle:
            i = index[cycle[0]]
            errors.append(
                _graph_error(
                    ("turns", i, "branches"),
                    "turns form a cycle: " + " → ".join(cycle) + " (scenarios must always end)",
                    cycle[0],
                )
            )
            return errors
        seen = reachable(graph, self.start)
        for i, t in enumerate(self.turns):
            if t.id not in seen:
                errors.append(
                    _graph_error(
                        ("turns", i, "id"), f"turn {t.id!r} cannot be reached from the start", t.id
                    )
                )
        return errors

    # -- helpers ---------------------------------------------------------------------------

    def turn(self, turn_id: str) -> Turn:
        for t in self.turns:
            if t.id == turn_id:
                return t
        raise KeyError(turn_id)

    @property
    def start_turn(self) -> Turn:
        return self.turn(self.start)

    @property
    def is_branching(self) -> bool:
        return any(len({(b.goto, b.end) for b in t.branches}) > 1 for t in self.turns)

    def speed_for(self, turn: Turn) -> float:
        """The TTS speed of a customer line (turn override, else the persona's)."""
        return turn.speed if turn.speed is not None else self.persona.speed
