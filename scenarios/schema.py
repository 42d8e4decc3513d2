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
from functools import lru_cache
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
HARASSMENT_TAG = "カスハラ"

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Speed = Annotated[float, Field(ge=0.7, le=1.3)]
JaText = Annotated[str, Field(min_length=1)]

_LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- phrase groups


class SharedGroup(_Model):
    """One entry of ``phrases.toml`` (the id is the table name)."""

    kind: Literal["required", "ng"]
    label: JaText
    phrases: tuple[JaText, ...] = Field(min_length=1)
    tip: str = ""
    weight: float = Field(default=1.0, gt=0, le=5)


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
    phrases: tuple[JaText, ...] = Field(min_length=1)
    tip: str = ""
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
    return {
        "id": gid,
        "label": value.get("label", shared.label),
        "phrases": phrases,
        "tip": value.get("tip", shared.tip),
        "weight": value.get("weight", shared.weight),
        "shared": True,
        **{k: v for k, v in value.items() if k not in {"id", "label", "phrases", "tip", "weight"}},
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

    @model_validator(mode="after")
    def _check(self) -> Branch:
        if (self.goto is None) == (not self.end):
            raise ValueError('a branch needs exactly one of `goto = "<turn id>"` or `end = true`')
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


# --------------------------------------------------------------------------- turns


class Turn(_Model):
    id: Id
    customer: JaText = Field(description="The customer's line (spoken by TTS).")
    goal: JaText = Field(description="What the trainee's answer should achieve.")
    hints: tuple[JaText, ...] = ()
    required: tuple[RequiredGroup, ...] = ()
    ng: tuple[NgGroup, ...] = ()
    max_refund_yen: int | None = Field(default=None, ge=0)
    model_answer: JaText
    mood: str = Field(default="", description="Optional mood of the customer in this turn.")
    speed: Speed | None = Field(default=None, description="Overrides the persona's speed.")
    branches: tuple[Branch, ...] = ()

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
        )


# --------------------------------------------------------------------------- scenario


class Persona(_Model):
    name: JaText
    mood: JaText
    voice: Voice
    speed: Speed = 1.0
    profile: str = Field(default="", description="Age, situation, way of speaking (ja).")


def _graph_error(loc: tuple[str | int, ...], msg: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("scenario_graph", msg), loc=loc, input=value)


class Scenario(_Model):
    id: Id
    version: int = Field(ge=1)
    title: JaText
    title_en: JaText
    summary: str = Field(default="", description="One or two sentences for the scenario list.")
    tags: tuple[Tag, ...] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=3)
    channel: Channel
    harassment: bool = Field(
        default=False, description="A カスハラ training scenario (completion must be recorded)."
    )
    persona: Persona
    situation: JaText = Field(description="What the trainee knows before the call (ja).")
    max_refund_yen: int | None = Field(
        default=None, ge=0, description="Default authority limit for turns that set none."
    )
    start: Id
    turns: tuple[Turn, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _inherit_authority(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("max_refund_yen") is not None:
            turns = data.get("turns")
            if isinstance(turns, list):
                data = {
                    **data,
                    "turns": [
                        {**t, "max_refund_yen": data["max_refund_yen"]}
                        if isinstance(t, dict) and t.get("max_refund_yen") is None
                        else t
                        for t in turns
                    ],
                }
        return data

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("tags must not repeat")
        return v

    @model_validator(mode="wrap")
    @classmethod
    def _check_graph(cls, data: Any, handler: Any) -> Scenario:
        inst: Scenario = handler(data)
        errors = inst._graph_errors()
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return inst

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
