"""The recogniser inside scoring: match_rubric's groups, escalation and promised amounts come from
analysis.intents; branching follows what the trainee said in natural words."""

from __future__ import annotations

from analysis.rubric import PhraseGroup, Rubric
from analysis.rubric_match import RubricResult, match_rubric
from scenarios.branching import next_turn_after
from scenarios.loader import load_catalogue

RUBRIC = Rubric(
    required=(
        PhraseGroup("apology", "お詫び", ("申し訳ございません",), weight=1.5),
        PhraseGroup("empathy", "共感", ("お察しいたします",)),
        PhraseGroup("redelivery", "再配達の提案", ("再配達",)),  # turn-local: phrases only
    ),
    ng=(PhraseGroup("rules", "規則を盾にする", ("規則ですので",)),),
    max_refund_yen=5000,
)


def by_id(rr: RubricResult) -> dict:
    return {g.id: g for g in (*rr.required, *rr.ng)}


def test_paraphrases_are_credited_with_their_words():
    text = "大変ご迷惑をおかけいたしました。お客様のお気持ちはごもっともです。明日すぐに再配達いたします。"
    rr = match_rubric(text, RUBRIC)
    g = by_id(rr)
    assert g["apology"].found and text[slice(*g["apology"].span)] == g["apology"].matched_text
    assert "迷惑" in g["apology"].matched_text and g["apology"].layer == "pattern"
    assert g["empathy"].found and "ごもっとも" in g["empathy"].matched_text
    assert g["redelivery"].found and g["redelivery"].layer == "phrase"
    assert not g["rules"].found
    assert [c["index"] for c in rr.clauses] == [0, 1, 2]
    assert {h["id"] for h in rr.clauses[0]["hits"]} == {"apology"}


def test_negated_apology_is_not_credited():
    rr = match_rubric("謝るつもりはありません。", RUBRIC)
    assert not by_id(rr)["apology"].found
    assert rr.required[0].example == "申し訳ございません"  # the tip's example stays


def test_apology_and_rules_in_one_sentence():
    rr = match_rubric("申し訳ないとは思いますが、規則ですので。", RUBRIC)
    g = by_id(rr)
    assert g["apology"].found and g["rules"].found
    assert g["apology"].clause == 0 and g["rules"].clause == 1


def test_amount_promised_unless_its_sentence_escalates_or_refuses():
    promised = match_rubric("1万円をご返金いたします。", RUBRIC)
    assert [a.yen for a in promised.over_limit] == [10000]
    for text in (
        "1万円のご返金は、上司と相談させてください。",
        "1万円のご返金は、私の一存では決められません。",
        "1万円のご返金はいたしかねます。",
    ):
        rr = match_rubric(text, RUBRIC)
        assert rr.amounts and not rr.amounts[0].promised, text
        assert rr.over_limit == [], text
    assert match_rubric("上司と相談させてください。", RUBRIC).escalation.found
    assert not match_rubric("上司に確認しなくても大丈夫です。", RUBRIC).escalation.found


def test_result_round_trips_with_clauses():
    rr = match_rubric("心よりお詫びいたします。1万円返金します。", RUBRIC)
    again = RubricResult.from_dict(rr.to_dict())
    assert again == rr and again.clauses and again.required[0].confidence == 0.9


def test_branching_follows_natural_words():
    cat = load_catalogue()
    t1 = cat["late_delivery"].start_turn
    polite = "大変ご迷惑をおかけいたしました。さぞお困りのことと存じます。ご注文番号を伺えますか。"
    blunt = "マニュアル上、そういう対応はしておりません。"
    assert next_turn_after(t1, match_rubric(polite, t1.rubric())) == "t2_order"
    assert next_turn_after(t1, match_rubric(blunt, t1.rubric())) == "t2_rebuffed"
    t2 = cat["beyond_authority"].turn("t2_when")
    over = match_rubric("はい、3万円を本日ご返金いたします。", t2.rubric())
    assert over.over_limit and next_turn_after(t2, over) == "t3_promised"
    held = match_rubric(
        "3万円のご返金は、管理者に確認のうえ、本日中にご連絡いたします。", t2.rubric()
    )
    assert held.over_limit == [] and held.escalation.found
    assert next_turn_after(t2, held) != "t3_promised"


def test_full_refund_without_an_amount_is_judged_against_the_authority():
    unknown = Rubric(required=RUBRIC.required, max_refund_yen=5000)  # price unknown
    rr = match_rubric("全額ご返金いたします。", unknown)
    [full] = rr.amounts
    assert full.full_refund and full.promised and full.over_limit and rr.over_limit == [full]
    within = Rubric(required=RUBRIC.required, max_refund_yen=5000, full_refund_yen=4280)
    rr = match_rubric("全額ご返金いたします。", within)
    assert rr.amounts[0].yen == 4280 and rr.over_limit == []
    for text in (
        "全額のご返金をご希望ということですね。",  # the customer's wish, repeated back
        "全額返金は、責任者に確認いたします。",  # escalated
        "全額返金はいたしかねます。",  # refused
        "全額返金をご希望でしょうか。",  # a question
    ):
        rr = match_rubric(text, unknown)
        assert rr.amounts and not rr.amounts[0].promised and rr.over_limit == [], text
    # with an amount in the sentence the amount decides
    rr = match_rubric("代金4,280円の全額ご返金で対応いたします。", unknown)
    assert [a.yen for a in rr.amounts] == [4280] and rr.over_limit == []


def test_full_refund_feedback_names_it():
    from analysis import score as S

    rr = match_rubric("全額ご返金いたします。", Rubric(max_refund_yen=5000))
    s = S.score({}, rr)
    d = next(d for d in s.items if d.key == "authority")
    assert "全額返金" in d.explanation_ja and "full refund" in d.explanation_en


def test_scenario_full_refund_value_reaches_the_rubric():
    cat = load_catalogue()
    assert cat["defective_refund"].start_turn.rubric().full_refund_yen == 4280
    t2 = cat["beyond_authority"].turn("t2_when")
    rr = match_rubric("全額ご返金いたします。", t2.rubric())
    assert rr.over_limit and next_turn_after(t2, rr) == "t3_promised"
