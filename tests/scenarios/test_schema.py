from __future__ import annotations

import pytest
from pydantic import ValidationError

from analysis.rubric import PhraseGroup, Rubric
from scenarios.loader import format_loc
from scenarios.schema import Scenario, SharedGroup, default_phrase_library


def _errors(data, **kw) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as exc:
        Scenario.model_validate(data, **kw)
    return [(format_loc(tuple(e["loc"])), e["msg"]) for e in exc.value.errors()]


def test_valid_minimal_scenario(raw):
    s = Scenario.model_validate(raw)
    assert s.start_turn.id == "t1"
    assert [t.id for t in s.turns] == ["t1", "t2_angry", "t2_calm"]
    assert s.is_branching
    assert s.speed_for(s.turn("t1")) == 1.0


def test_rubric_expands_shared_groups(raw):
    s = Scenario.model_validate(raw)
    lib = default_phrase_library()
    rubric = s.turn("t1").rubric()
    assert isinstance(rubric, Rubric)
    apology, repeat = rubric.required
    assert isinstance(apology, PhraseGroup)
    assert apology.id == "apology"
    assert apology.phrases == lib["apology"].phrases
    assert apology.label == lib["apology"].label and apology.tip == lib["apology"].tip
    assert "申し訳ございません" in apology.phrases
    # a shared group extended by the turn keeps the shared phrases, then adds its own
    assert repeat.phrases[: len(lib["repeat_back"].phrases)] == lib["repeat_back"].phrases
    assert repeat.phrases[-1] == "まだ届かない"
    # the turn's own NG groups first, then the scenario-wide ones
    assert [g.id for g in rubric.ng] == ["blame", "but", "rules", "flat_refusal", "not_my_job",
                                         "casual"]
    assert rubric.ng[0].phrases == lib["blame"].phrases
    assert rubric.max_refund_yen == 5000  # inherited from the scenario


def test_turn_local_group_and_authority_override(raw):
    s = Scenario.model_validate(raw)
    rubric = s.turn("t2_calm").rubric()
    local = rubric.required[1]
    assert local == PhraseGroup("redelivery", "再配達", ("再配達",), "再配達を提案", 1.0)
    assert rubric.max_refund_yen == 3000


def test_no_authority_means_none(raw):
    del raw["max_refund_yen"]
    s = Scenario.model_validate(raw)
    assert s.turn("t1").rubric().max_refund_yen is None


def test_override_label_and_weight_of_shared_group(raw):
    raw["turns"][0]["required"][0] = {"id": "apology", "label": "遅れのお詫び", "weight": 2.0}
    g = Scenario.model_validate(raw).turn("t1").rubric().required[0]
    assert (g.label, g.weight) == ("遅れのお詫び", 2.0)
    assert g.phrases == default_phrase_library()["apology"].phrases


def test_library_from_context_is_used(raw):
    lib = {
        "apology": SharedGroup(kind="required", label="謝罪", phrases=("ごめんなさい",)),
        "repeat_back": SharedGroup(kind="required", label="復唱", phrases=("ですね",)),
        "blame": SharedGroup(kind="ng", label="責任転嫁", phrases=("あなたのせい",)),
        "next_step": SharedGroup(kind="required", label="次", phrases=("本日中に",)),
    }
    raw["ng"] = ["blame"]  # this library marks no group careless: nothing more is required
    s = Scenario.model_validate(raw, context={"phrases": lib})
    assert s.turn("t1").rubric().required[0].phrases == ("ごめんなさい",)


def test_unknown_phrase_group_names_the_field(raw):
    raw["turns"][0]["required"].append("no_such_group")
    [(field, msg)] = _errors(raw)
    assert field == "turns[0].required[2]"
    assert "no_such_group" in msg


def test_ng_group_cannot_be_required(raw):
    raw["turns"][0]["required"].append("blame")
    [(field, msg)] = _errors(raw)
    assert field == "turns[0].required[2]" and "ng" in msg


def test_local_group_needs_label_and_phrases(raw):
    raw["turns"][0]["required"].append({"id": "new_group"})
    fields = {f for f, _ in _errors(raw)}
    assert "turns[0].required[2].label" in fields
    assert "turns[0].required[2].phrases" in fields


def test_goto_to_nowhere(raw):
    raw["turns"][0]["branches"][1]["goto"] = "t9"
    [(field, msg)] = _errors(raw)
    assert field == "turns[0].branches[1].goto"
    assert "t9" in msg


def test_missing_start(raw):
    raw["start"] = "t0"
    [(field, _)] = _errors(raw)
    assert field == "start"


def test_duplicate_turn_ids(raw):
    raw["turns"][2]["id"] = "t2_angry"
    fields = [f for f, _ in _errors(raw)]
    assert "turns[2].id" in fields


def test_cycle_is_rejected(raw):
    raw["turns"][2]["branches"] = [{"otherwise": True, "goto": "t1"}]
    [(field, msg)] = _errors(raw)
    assert field.startswith("turns[") and "cycle" in msg
    assert "t1" in msg


def test_unreachable_turn(raw):
    raw["turns"][0]["branches"] = [{"otherwise": True, "goto": "t2_calm"}]
    [(field, msg)] = _errors(raw)
    assert field == "turns[1].id" and "t2_angry" in msg


def test_last_branch_must_be_otherwise(raw):
    raw["turns"][0]["branches"] = [{"if_missing": ["apology"], "goto": "t2_angry"}]
    [(field, msg)] = _errors(raw)
    assert field == "turns[0]" and "otherwise" in msg


def test_otherwise_must_be_last(raw):
    raw["turns"][0]["branches"].reverse()
    [(field, msg)] = _errors(raw)
    assert field == "turns[0]" and "last" in msg


def test_branch_needs_exactly_one_target(raw):
    raw["turns"][0]["branches"][0]["end"] = True
    [(field, _)] = _errors(raw)
    assert field == "turns[0].branches[0]"


def test_branch_needs_a_condition(raw):
    raw["turns"][0]["branches"][0] = {"goto": "t2_angry"}
    [(field, _)] = _errors(raw)
    assert field == "turns[0].branches[0]"


def test_otherwise_cannot_have_conditions(raw):
    raw["turns"][0]["branches"][1]["if_found"] = ["apology"]
    [(field, _)] = _errors(raw)
    assert field == "turns[0].branches[1]"


def test_branch_refers_to_groups_of_its_turn(raw):
    raw["turns"][0]["branches"][0]["if_missing"] = ["empathy"]
    [(field, msg)] = _errors(raw)
    assert field == "turns[0]" and "empathy" in msg


def test_if_ng_list_refers_to_ng_groups(raw):
    raw["turns"][0]["branches"][0] = {"if_ng": ["apology"], "goto": "t2_angry"}
    [(field, msg)] = _errors(raw)
    assert field == "turns[0]" and "apology" in msg


def test_over_authority_needs_a_limit(raw):
    del raw["max_refund_yen"]
    raw["turns"][0]["branches"][0] = {"if_over_authority": True, "goto": "t2_angry"}
    [(field, msg)] = _errors(raw)
    assert field == "turns[0]" and "max_refund_yen" in msg


def test_customer_line_must_be_speakable(raw):
    raw["turns"][1]["customer"] = "SNSに書きますよ。"
    [(field, msg)] = _errors(raw)
    assert field == "turns[1].customer" and "katakana" in msg


def test_harassment_flag_and_tag_go_together(raw):
    raw["harassment"] = True
    assert [f for f, _ in _errors(raw)] == ["harassment"]
    raw["tags"] = ["カスハラ"]
    assert Scenario.model_validate(raw).harassment
    raw["harassment"] = False
    assert [f for f, _ in _errors(raw)] == ["harassment"]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("tags",), ["配送", "宇宙"], "tags[1]"),
        (("tags",), [], "tags"),
        (("tags",), ["配送", "配送"], "tags"),
        (("difficulty",), 4, "difficulty"),
        (("difficulty",), 0, "difficulty"),
        (("channel",), "chat", "channel"),
        (("version",), 0, "version"),
        (("id",), "Mini Scenario", "id"),
        (("persona", "voice"), "af_bella", "persona.voice"),
        (("persona", "speed"), 1.5, "persona.speed"),
        (("persona", "speed"), 0.5, "persona.speed"),
        (("unexpected",), 1, "unexpected"),
    ],
)
def test_field_errors(raw, path, value, field):
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert field in [f for f, _ in _errors(raw)]


def test_missing_required_field(raw):
    del raw["title_en"]
    assert _errors(raw) == [("title_en", "Field required")]


def test_models_are_frozen(raw):
    s = Scenario.model_validate(raw)
    with pytest.raises(ValidationError):
        s.title = "x"  # type: ignore[misc]


def test_round_trip_through_dump(raw):
    s = Scenario.model_validate(raw)
    again = Scenario.model_validate(s.model_dump())
    assert again == s
