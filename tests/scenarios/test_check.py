"""Calls that react: presuppositions, careless-answer NG groups, and ``python -m scenarios check``."""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from analysis.rubric_match import match_rubric
from scenarios.branching import next_turn
from scenarios.check import check, main
from scenarios.loader import format_loc, load_catalogue
from scenarios.schema import Scenario, default_phrase_library

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue()


def _errors(data) -> list[tuple[str, str, dict]]:
    with pytest.raises(ValidationError) as exc:
        Scenario.model_validate(data)
    return [(format_loc(tuple(e["loc"])), e["msg"], e.get("ctx") or {}) for e in exc.value.errors()]


def _answer(turn, text: str) -> tuple[str | None, set[str]]:
    """The next turn for a spoken ``text`` (matched like the scorer does) and the NG ids hit."""
    r = match_rubric(text, turn.rubric())
    found = {g.id for g in r.required if g.found}
    missed = {g.id for g in r.required if not g.found}
    ng = {g.id for g in r.ng_found}
    return next_turn(turn, found=found, missed=missed, ng_found=ng,
                     over_authority=bool(r.over_limit)), ng


# --------------------------------------------------------------------------- presuppositions


def test_presupposition_guaranteed_by_the_rule_passed_over(raw):
    # t1: if_missing apology -> t2_angry, otherwise -> t2_calm. Taking `otherwise` means the
    # first rule did not hold: the apology was found.
    raw["turns"][2]["assumes"] = ["apology"]
    raw["turns"][1]["branches"] = [
        {"if_missing": ["apology"], "end": True},
        {"otherwise": True, "goto": "t2_calm"},
    ]
    s = Scenario.model_validate(raw)
    assert s.turn("t2_calm").assumes == ("apology",)


def test_unguaranteed_presupposition_names_turn_and_path(raw):
    raw["turns"][2]["assumes"] = ["apology"]  # t2_angry's `otherwise` guarantees nothing
    [(field, msg, ctx)] = _errors(raw)
    assert field == "turns[2].assumes[0]"
    assert ctx["turn"] == "t2_calm"
    assert ctx["path"] == "t1 →[if_missing apology] t2_angry →[otherwise] t2_calm"
    assert "'apology'" in msg and "t2_calm" in msg


def test_negative_presupposition_is_about_the_answer_just_given(raw):
    raw["turns"][1]["assumes"] = ["!apology"]  # reached only by if_missing apology
    assert Scenario.model_validate(raw).turn("t2_angry").assumes == ("!apology",)
    raw["turns"][1]["assumes"] = ["apology"]
    [(field, _msg, ctx)] = _errors(raw)
    assert field == "turns[1].assumes[0]" and ctx["path"] == "t1 →[if_missing apology] t2_angry"


def test_said_facts_accumulate_along_the_path(raw):
    # apology found at t1 (otherwise branch) is still "said" two turns later
    raw["turns"][0]["branches"] = [
        {"if_missing": ["apology"], "end": True},
        {"otherwise": True, "goto": "t2_angry"},
    ]
    raw["turns"][2]["assumes"] = ["apology"]
    assert Scenario.model_validate(raw).turn("t2_calm").assumes == ("apology",)


def test_alternatives_hold_when_one_does(raw):
    raw["turns"][0]["branches"] = [
        {"if_ng": ["blame"], "goto": "t2_angry"},
        {"if_missing": ["apology"], "goto": "t2_angry"},
        {"otherwise": True, "goto": "t2_calm"},
    ]
    raw["turns"][1]["assumes"] = ["blame|!apology"]  # one rule or the other led here
    Scenario.model_validate(raw)
    raw["turns"][1]["assumes"] = ["blame"]
    [(field, _msg, ctx)] = _errors(raw)
    assert field == "turns[1].assumes[0]"
    assert ctx["path"] == "t1 →[if_missing apology] t2_angry"


def test_ng_and_over_authority_facts(raw):
    raw["turns"][0]["branches"] = [
        {"if_ng": ["blame"], "goto": "t2_angry"},
        {"if_over_authority": True, "goto": "t2_calm"},
        {"otherwise": True, "end": True},
    ]
    raw["turns"][1]["assumes"] = ["blame", "ng"]
    raw["turns"][2]["assumes"] = ["over_authority|blame"]  # directly, or via t2_angry
    Scenario.model_validate(raw)
    raw["turns"][2]["assumes"] = ["over_authority"]
    [(_f, _m, ctx)] = _errors(raw)
    assert ctx["path"].startswith("t1 →[if_ng blame] t2_angry")


def test_not_all_found_does_not_say_which_was_missed(raw):
    raw["turns"][0]["branches"] = [
        {"if_found": ["apology", "repeat_back"], "goto": "t2_calm"},
        {"otherwise": True, "goto": "t2_angry"},
    ]
    raw["turns"][1]["assumes"] = ["!apology"]
    [(field, _m, _c)] = _errors(raw)
    assert field == "turns[1].assumes[0]"


def test_all_found_holds_only_on_its_own_edge(raw):
    raw["turns"][0]["branches"] = [
        {"if_found": ["apology", "repeat_back"], "goto": "t2_calm"},
        {"otherwise": True, "goto": "t2_angry"},
    ]
    raw["turns"][2]["assumes"] = ["apology", "repeat_back"]
    errs = _errors(raw)  # reached via t2_angry too, with neither guaranteed
    assert [c["path"] for _f, _m, c in errs] == ["t1 →[otherwise] t2_angry →[otherwise] t2_calm"] * 2


def test_not_one_missing_means_all_found(raw):
    raw["turns"][0]["branches"] = [
        {"if_missing": ["apology", "repeat_back"], "goto": "t2_angry"},
        {"otherwise": True, "goto": "t2_calm"},
    ]
    raw["turns"][1]["branches"] = [
        {"if_missing": ["apology"], "end": True},
        {"otherwise": True, "goto": "t2_calm"},
    ]
    raw["turns"][2]["assumes"] = ["apology"]
    Scenario.model_validate(raw)
    raw["turns"][2]["assumes"] = ["repeat_back"]  # t2_angry does not ask for it
    [(_f, _m, ctx)] = _errors(raw)
    assert "t2_angry" in ctx["path"]


def test_presupposition_on_the_start_turn(raw):
    raw["turns"][0]["assumes"] = ["!apology"]  # nothing was said yet
    Scenario.model_validate(raw)
    raw["turns"][0]["assumes"] = ["apology"]
    [(_f, _m, ctx)] = _errors(raw)
    assert ctx["path"] == "t1"


def test_unknown_presupposition(raw):
    raw["turns"][2]["assumes"] = ["apolgy"]
    [(field, msg, _ctx)] = _errors(raw)
    assert field == "turns[2].assumes[0]" and "apolgy" in msg
    raw["turns"][2]["assumes"] = ["Apology"]
    [(field, _msg, _ctx)] = _errors(raw)
    assert field == "turns[2].assumes[0]"


# --------------------------------------------------------------------------- careless answers


def test_every_turn_checks_the_careless_groups(raw):
    del raw["ng"]
    errs = _errors(raw)
    assert [f for f, _m, _c in errs] == ["turns[0].ng", "turns[1].ng", "turns[2].ng"]
    assert "['but', 'casual', 'flat_refusal', 'not_my_job', 'rules']" in errs[0][1]
    assert errs[1][2]["turn"] == "t2_angry"


def test_careless_groups_come_from_the_phrase_library():
    lib = default_phrase_library()
    careless = {gid for gid, g in lib.items() if g.careless}
    assert careless == {"blame", "but", "rules", "flat_refusal", "not_my_job", "casual"}
    assert all(lib[g].kind == "ng" for g in careless)


def test_a_turn_may_exempt_a_careless_group_with_a_reason(raw):
    raw["turns"][1]["ng_exempt"] = {"blame": "お客様の言葉を復唱するため"}
    raw["turns"][1]["customer"] = "確認不足だと言われたんです。"
    s = Scenario.model_validate(raw)
    assert "blame" not in {g.id for g in s.turn("t2_angry").ng}
    assert "blame" in {g.id for g in s.turn("t2_calm").ng}
    raw["turns"][1]["ng_exempt"] = {"blame": ""}
    assert _errors(raw)[0][0] == "turns[1].ng_exempt.blame"


def test_scenario_wide_exemption_yields_to_a_turn_that_checks_it(raw):
    raw["ng_exempt"] = {"rules": "方針を伝えるのが正しい対応"}
    raw["ng"] = [g for g in raw["ng"] if g != "rules"]
    raw["turns"][0]["ng"] = ["blame", "rules"]
    s = Scenario.model_validate(raw)
    assert "rules" in {g.id for g in s.turn("t1").ng}
    assert s.turn("t1").ng_exempt == {}
    assert s.turn("t2_calm").ng_exempt == {"rules": "方針を伝えるのが正しい対応"}


def test_exempting_what_is_not_careless_is_an_error(raw):
    raw["turns"][1]["ng_exempt"] = {"jargon": "関係ない"}
    [(field, msg, _c)] = _errors(raw)
    assert field == "turns[1].ng_exempt.jargon" and "nothing to exempt" in msg


def test_scenario_wide_ng_merges_phrases_with_the_turns_own(raw):
    raw["ng"] = [{"id": "blame", "phrases": ["倉庫のせい"]}, "but", "rules", "flat_refusal",
                 "not_my_job", "casual"]
    raw["turns"][0]["ng"] = [{"id": "blame", "phrases": ["運転手のせい"]}]
    s = Scenario.model_validate(raw)
    blame = s.turn("t1").rubric().ng[0]
    assert {"倉庫のせい", "運転手のせい"} <= set(blame.phrases)
    assert "倉庫のせい" in s.turn("t2_calm").rubric().ng[0].phrases


# --------------------------------------------------------------------------- shipped scenarios


def test_the_blunt_answer_hits_ng_and_angers_the_customer():
    """Issue 13: this answer used to flag only 「いや、でも」 and get a cheerful order number."""
    s = CATALOGUE["late_delivery"]
    blunt = "いや、でもそれはこちらの規則なので、できません。配送業者に直接言ってください。"
    nxt, ng = _answer(s.start_turn, blunt)
    assert {"but", "rules", "flat_refusal", "not_my_job"} <= ng
    assert nxt == "t2_rebuffed"
    angry = s.turn(nxt)
    assert "責任者" in angry.customer and "怒" in angry.mood
    rule = s.start_turn.branch_for(found=set(), missed={"apology"}, ng_found=ng,
                                   over_authority=False)
    assert rule is not None and "規則" in rule.why and rule.why_en
    # a good answer still gets the order number
    good = s.start_turn.model_answer
    assert _answer(s.start_turn, good) == ("t2_order", set())


def test_apology_presupposed_only_after_an_apology():
    """「謝ってもらっても…」 (defective kettle) needs an apology on every path to it."""
    s = CATALOGUE["defective_refund"]
    lines = [t for t in s.turns if "謝ってもらっても" in t.customer]
    assert lines and all("apology" in t.assumes for t in lines)
    t2 = s.turn("t2_options")
    no_offer = "ゼロナナイチニのヨンヨンゴロクですね。確認いたします。"
    assert _answer(t2, no_offer)[0] == "t3_unclear"
    assert "謝って" not in s.turn("t3_unclear").customer
    assert _answer(t2, "ご迷惑をおかけしております。" + no_offer)[0] == "t3_push"


def test_escalation_presupposed_only_after_escalation():
    s = CATALOGUE["beyond_authority"]
    t = s.turn("t2_when")
    lines = [x for x in s.turns if "責任者に伝えるって" in x.customer]
    assert lines and all("escalation" in x.assumes for x in lines)
    assert _answer(t, "本日十七時までにご連絡いたします。")[0] == "t3_pressed"
    assert "責任者" not in s.turn("t3_pressed").customer
    assert _answer(t, "責任者に申し伝えます。")[0] == "t3_vague"
    assert _answer(t, "それはできません。")[0] == "t3_supervisor"
    assert _answer(t, "全額の五万九千八百円をご返金いたします。")[0] == "t3_promised"


PRESUPPOSING = {  # words in a customer line -> what it takes for granted
    "謝ってもらっても": "apology",
    "謝ってもらうのは": "apology",
    "責任者に伝える": "escalation",
    "注意してんの": "boundary",
    "切れるもんなら": "warning",
    "断るっていう": "refuse_clearly",
    "言ったわね": "give_in|over_authority",
    "使い方が悪い": "blame",
    "まず謝る": "!apology",
}


@pytest.mark.parametrize("word", PRESUPPOSING)
def test_presupposing_lines_declare_it(word):
    lines = [(s.id, t) for s in CATALOGUE for t in s.turns if word in t.customer]
    assert lines, word
    for sid, t in lines:
        assert PRESUPPOSING[word] in t.assumes, (sid, t.id)


def test_every_scenario_reacts_to_careless_answers():
    for s in CATALOGUE:
        rules = [b for t in s.turns for b in t.branches]
        assert any(b.if_ng for b in rules), s.id
        for t in s.turns:
            for b in t.branches:
                # a rule reacting to a careless or missing answer says why, in both languages
                if b.if_ng or b.if_missing or b.if_over_authority:
                    assert b.why and b.why_en, (s.id, t.id, b.goto)


def test_flat_refusal_rude_and_over_promise_branches_exist():
    refusing = {s.id for s in CATALOGUE for t in s.turns for b in t.branches
                if isinstance(b.if_ng, tuple) and {"flat_refusal", "rules", "not_my_job"} & set(b.if_ng)}
    over = {s.id for s in CATALOGUE for t in s.turns for b in t.branches
            if b.if_over_authority or (isinstance(b.if_ng, tuple) and
                                       {"absolute_promise", "false_promise", "give_in"} & set(b.if_ng))}
    supervisor = {s.id for s in CATALOGUE for t in s.turns if "責任者" in t.customer and "ng" in t.assumes}
    assert len(refusing) >= 7 and len(supervisor) >= 6
    assert len(over) >= 5
    assert {"late_delivery", "beyond_authority", "defective_refund", "billing_error"} <= over


def test_over_promise_is_taken_at_its_word():
    s = CATALOGUE["late_delivery"]
    t2 = s.turn("t2_order")
    nxt, ng = _answer(t2, "1205-3387ですね。六時までに必ずお届けします。")
    assert "false_promise" in ng and nxt == "t3_counting"
    assert "必ず" in s.turn(nxt).customer
    d = CATALOGUE["defective_refund"].turn("t2_options")
    assert _answer(d, "お詫びとして一万円をご返金いたします。")[0] == "t3_too_easy"


# --------------------------------------------------------------------------- the command


def test_check_shipped_scenarios_ok():
    out = io.StringIO()
    assert main([], out=out) == 0
    assert out.getvalue().startswith(f"OK: {len(CATALOGUE)} scenarios")


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_check_reports_every_problem_with_file_turn_and_path(tmp_path):
    src = (ROOT / "scenarios" / "data" / "beyond_authority.toml").read_text(encoding="utf-8")
    # break the guarantee: the vague turn becomes reachable without any escalation
    broken = src.replace('{ if_found = ["escalation"], goto = "t3_vague"', '{ if_found = ["next_step"], goto = "t3_vague"')
    assert broken != src
    _write(tmp_path, "beyond_authority.toml", broken)
    _write(tmp_path, "late_delivery.toml",
           (ROOT / "scenarios" / "data" / "late_delivery.toml").read_text(encoding="utf-8"))
    _write(tmp_path, "typo.toml", src.replace('id = "beyond_authority"', 'id = "typo"', 1)
           .replace('"escalation", "next_step", "callback"]', '"escalaton", "next_step", "callback"]', 1))
    _write(tmp_path, "bad.toml", 'id = "bad"\n[[turns\n')
    out = io.StringIO()
    assert main([str(tmp_path)], out=out) == 1
    text = out.getvalue()
    assert "beyond_authority.toml: turns[5].assumes[0] (turn t3_vague):" in text
    assert "path: t1 →[if_missing apology] t2_cold →[otherwise] t2_when →[if_found next_step] t3_vague" in text
    assert "typo.toml: turns[2].required[0] (turn t2_when): unknown phrase group 'escalaton'" in text
    assert "bad.toml: invalid TOML" in text
    assert "late_delivery" not in text
    assert "3 problems; 1 scenario file(s) valid." in text


def test_check_finds_cycles_and_unreachable_turns(tmp_path):
    data = tomllib.loads((ROOT / "scenarios" / "data" / "late_delivery.toml").read_text("utf-8"))
    assert data
    src = (ROOT / "scenarios" / "data" / "late_delivery.toml").read_text(encoding="utf-8")
    _write(tmp_path, "cycle.toml", src.replace('id = "late_delivery"', 'id = "cycle"', 1)
           .replace('branches = [{ otherwise = true, goto = "t2_order" }]',
                    'branches = [{ otherwise = true, goto = "t1" }]'))
    _write(tmp_path, "orphan.toml", src.replace('id = "late_delivery"', 'id = "orphan"', 1)
           .replace('{ if_ng = ["false_promise"], goto = "t3_counting"', '{ if_ng = ["false_promise"], goto = "t3_calm"'))
    out = io.StringIO()
    assert main([str(tmp_path)], out=out) == 1
    text = out.getvalue()
    assert "cycle.toml" in text and "cycle" in text and "t1 → t2_angry → t1" in text
    assert "orphan.toml: turns[6].id (turn t3_counting): turn 't3_counting' cannot be reached" in text


def test_check_empty_folder_is_a_problem(tmp_path):
    out = io.StringIO()
    assert main([str(tmp_path)], out=out) == 1
    assert "no scenario files" in out.getvalue()
    assert check(tmp_path / "missing").errors[0].message == "scenario directory not found"


def test_python_dash_m_scenarios_check():
    ok = subprocess.run([sys.executable, "-m", "scenarios", "check"], check=False, cwd=ROOT,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK:")
    usage = subprocess.run([sys.executable, "-m", "scenarios"], check=False, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "usage" in usage.stderr


# --------------------------------------------------------------------------- English UI texts


def test_english_texts_for_every_ui_text():
    from scenarios.schema import TAG_EN, TAGS

    assert set(TAG_EN) == set(TAGS) and all(TAG_EN.values())
    for s in CATALOGUE:
        assert s.title_en and s.summary_en and s.persona.mood_en, s.id
        for t in s.turns:
            assert t.goal_en, (s.id, t.id)
            assert len(t.hints_en) == len(t.hints), (s.id, t.id)
            assert bool(t.mood_en) == bool(t.mood), (s.id, t.id)
            for g in (*t.required, *t.ng):
                assert g.label_en and (g.tip_en or not g.tip), (s.id, t.id, g.id)
            for b in t.branches:
                assert bool(b.why_en) == bool(b.why), (s.id, t.id, b.goto)
            for text in (t.goal_en, *t.hints_en, t.mood_en, s.summary_en):
                assert not any("\u3040" <= ch <= "\u30ff" for ch in text), (s.id, t.id, text)


def test_a_hang_up_ends_the_call(raw):
    raw["turns"][1]["branches"] = [{"if_missing": ["apology"], "end": True, "hangs_up": True},
                                   {"otherwise": True, "goto": "t2_calm"}]
    s = Scenario.model_validate(raw)
    rule = s.turn("t2_angry").branch_for(found=set(), missed={"apology"}, ng_found=set(),
                                         over_authority=False)
    assert rule is not None and rule.hangs_up and rule.end
    raw["turns"][1]["branches"][0] = {"if_missing": ["apology"], "goto": "t2_calm", "hangs_up": True}
    assert "hangs_up" in _errors(raw)[0][1]
    # shipped: brushed off and never apologised to, the customer hangs up
    t = CATALOGUE["late_delivery"].turn("t2_rebuffed")
    assert any(b.hangs_up and b.if_missing == ("apology",) for b in t.branches)
