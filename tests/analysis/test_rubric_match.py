"""analysis.rubric_match: required/NG groups, amounts against the limit, escalation."""

from __future__ import annotations

from analysis import rubric_match as RM
from analysis.rubric import PhraseGroup, Rubric

RUBRIC = Rubric(
    required=(
        PhraseGroup(
            "apology",
            "謝罪",
            ("申し訳ございません", "大変失礼いたしました"),
            tip="まず謝りましょう",
            weight=2,
        ),
        PhraseGroup("urgent", "迅速な対応", ("至急確認いたします", "すぐに確認いたします")),
        PhraseGroup("name", "名乗り", ("担当の鈴木と申します",)),
    ),
    ng=(PhraseGroup("rule", "規則を盾にする", ("規則ですので", "決まりですので")),),
    max_refund_yen=5000,
)


def test_match_rubric_groups_with_spans():
    text = "大変申し訳ございません。地球確認いたします。規則ですので、3万円をご返金いたします。"
    rr = RM.match_rubric(text, RUBRIC)
    got = {g.id: g for g in rr.required}
    assert got["apology"].found and got["apology"].matched_text == "申し訳ございません"
    assert got["apology"].layer == "pattern"  # 申し訳 + a negation, any politeness form
    s, e = got["apology"].span
    assert text[s:e] == "申し訳ございません"
    assert got["urgent"].found and got["urgent"].matched_text == "地球確認いたします"
    assert not got["name"].found and got["name"].span is None
    assert got["name"].example == "担当の鈴木と申します"
    assert [g.id for g in rr.ng_found] == ["rule"]
    assert text[slice(*rr.ng_found[0].span)] == "規則ですので"
    assert [a.yen for a in rr.over_limit] == [30000]
    assert rr.escalation is not None and not rr.escalation.found


def test_escalating_an_amount_is_not_a_promise():
    text = "3万円のご返金は私の権限ではいたしかねますので、上司に確認して折り返しご連絡いたします。"
    rr = RM.match_rubric(text, RUBRIC)
    assert rr.amounts[0].yen == 30000 and rr.amounts[0].over_limit
    assert rr.over_limit == []
    assert rr.escalation.found and rr.escalation.matched_text == "上司に確認"  # the words of the act


def test_amount_within_the_limit_is_fine():
    rr = RM.match_rubric("送料の500円をご返金いたします。", RUBRIC)
    assert [a.yen for a in rr.amounts] == [500]
    assert rr.over_limit == []


def test_rubric_result_round_trips():
    rr = RM.match_rubric("申し訳ございません。1万円返金します。", RUBRIC)
    again = RM.RubricResult.from_dict(rr.to_dict())
    assert again == rr
