"""Kana readings, morae, fillers, kana rubric matching with tolerance, yen amounts."""

from __future__ import annotations

import pytest

from analysis import text as T
from analysis.rubric import PhraseGroup, Rubric


@pytest.mark.parametrize(
    "word, morae",
    [
        ("きょう", 2),
        ("キャッシュ", 3),
        ("ティッシュ", 3),
        ("申し訳ございません", 11),
        ("至急", 3),
        ("確認", 4),
        ("5,000円", 5),
        ("えーと、あのー", 6),
        ("", 0),
    ],
)
def test_morae(word, morae):
    assert T.count_morae(word) == morae


def test_split_morae_small_kana_join():
    assert T.split_morae("キャッシュ") == ["キャ", "ッ", "シュ"]
    assert T.split_morae("ジョーシ") == ["ジョ", "ー", "シ"]


def test_count_chars_ignores_punctuation_and_spaces():
    assert T.count_chars("はい、申し訳ございません。 ！？「」") == 11
    assert T.count_chars("5,000円") == 5  # 5 0 0 0 円


def test_reading_spans_point_into_the_text():
    text = "その件は、5,000円で至急対応します。"
    r = T.reading(text)
    assert r.kana.startswith("ソノケンワゴセンエンデシキュー")
    assert len(r.kana) == len(r.spans)
    by_kana = {}
    for ch, (s, e) in zip(r.kana, r.spans):
        by_kana.setdefault(text[s:e], "")
        by_kana[text[s:e]] += ch
    assert by_kana["件"] == "ケン"
    assert by_kana["5,000"] == "ゴセン"  # a read-out number maps to its digits
    assert by_kana["至急"] == "シキュー"


# --- fillers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "えーと、あのー、あの人は来ました。",
            {"えーと": 1, "あのー": 1},
        ),  # あの人 = demonstrative
        ("その件につきましては", {}),
        ("その、えっと、確認します", {"その": 1, "えっと": 1}),
        ("あの、すみません", {"あの": 1}),
        ("まあまあです", {}),  # reduplication is a word
        ("まあ、そうですね", {"まあ": 1}),
        ("えーーと、えーっと、ええと", {"えーと": 1, "えーっと": 1, "ええと": 1}),
        ("エート、アノー", {"えーと": 1, "あのー": 1}),  # katakana spelling counts
        ("なんか変です", {}),
        ("なんか、違うんです", {"なんか": 1}),
        ("うーん、そうですね。あー、はい", {"うーん": 1, "あー": 1}),
        ("えー、本日は", {"えー": 1}),
        ("ええ、そうです", {}),  # ええ = yes, not a filler
        ("", {}),
    ],
)
def test_fillers_by_variant(text, expected):
    assert T.measure_text(text).fillers == expected


def test_filler_spans_and_ratio():
    text = "えーと、申し訳ございません。あのー、すぐ確認します。"
    tm = T.measure_text(text)
    assert [text[s:e] for s, e in tm.filler_spans] == ["えーと", "あのー"]
    assert tm.filler_count == 2
    assert tm.filler_ratio == pytest.approx(2 / tm.words, abs=1e-4)
    assert 6 <= tm.words <= 12


def test_fillers_is_one_list_with_every_documented_variant():
    for v in (
        "えー",
        "えーと",
        "えっと",
        "えーっと",
        "あのー",
        "あの",
        "あー",
        "まあ",
        "その",
        "なんか",
        "うーん",
    ):
        assert v in T.FILLERS
    assert len(set(T.FILLERS)) == len(T.FILLERS)
    assert T.AMBIGUOUS_FILLERS <= set(T.FILLERS)


# --- phrase matching ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "transcript, phrase, matched, distance",
    [
        ("支給確認いたします", "至急確認いたします", "支給確認いたします", 0.0),  # homophone
        ("地球確認いたします", "至急確認いたします", "地球確認いたします", 0.5),  # シ/チ confusable
        ("その県につきまして", "その件につきまして", "その県につきまして", 0.0),
        ("はい、地球確認します", "至急", "地球", 0.5),
        ("大変申し訳ございませんでした", "申し訳ございません", "申し訳ございません", 0.0),
        (
            "申し訳ござません",
            "申し訳ございません",
            "申し訳ござません",
            1.0,
        ),  # one mora lost, 11 morae
    ],
)
def test_phrase_found_despite_asr_errors(transcript, phrase, matched, distance):
    m = T.find_phrase(transcript, phrase)
    assert m is not None
    assert m.matched_text == matched
    assert transcript[m.span[0] : m.span[1]] == matched
    assert m.distance == pytest.approx(distance)


@pytest.mark.parametrize(
    "transcript, phrase",
    [
        ("ご返金いたします", "返品"),  # ヘンキン vs ヘンピン
        ("ご返品いたします", "返金"),
        ("交換します", "公開"),
        ("確認いたします", "誤認"),
        ("誠に申し訳ありません", "申し訳ございません"),  # a different phrase, 3 morae apart
    ],
)
def test_tolerance_keeps_different_words_apart(transcript, phrase):
    assert T.find_phrase(transcript, phrase) is None


def test_short_phrases_need_an_exact_reading():
    assert T.tolerance(2) == 0
    assert T.find_phrase("県に", "件") is not None  # same reading
    assert T.find_phrase("券に", "缶") is None  # ケン vs カン, 2 morae: no tolerance


def test_tolerance_grows_with_length():
    assert [T.tolerance(n) for n in (1, 2, 3, 5, 6, 11, 12, 20)] == [0, 0, 0.5, 0.5, 1, 1, 1.5, 1.5]


def test_wo_particle_matches_exactly():
    # を is read オ in a transcript; the phrase's own reading must agree (no tolerance spent)
    m = T.find_phrase("はい、私が責任を持って対応します", "私が責任を持って")
    assert m is not None and m.distance == 0
    assert T.kana("を") == "オ"


def test_substitution_costs():
    assert T.substitution_cost("シ", "シ") == 0
    assert T.substitution_cost("シ", "チ") == 0.5
    assert T.substitution_cost("カ", "ガ") == 0.5
    assert T.substitution_cost("キ", "ピ") == 1
    assert T.substitution_cost("キ", "カ") == 1  # same consonant, other vowel
    assert T.indel_cost("ー") == 0.5 and T.indel_cost("ッ") == 0.5 and T.indel_cost("ン") == 1


# --- rubric -------------------------------------------------------------------------------------
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
    rr = T.match_rubric(text, RUBRIC)
    got = {g.id: g for g in rr.required}
    assert got["apology"].found and got["apology"].phrase == "申し訳ございません"
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
    rr = T.match_rubric(text, RUBRIC)
    assert rr.amounts[0].yen == 30000 and rr.amounts[0].over_limit
    assert rr.over_limit == []
    assert rr.escalation.found and rr.escalation.matched_text in ("上司", "権限")


def test_amount_within_the_limit_is_fine():
    rr = T.match_rubric("送料の500円をご返金いたします。", RUBRIC)
    assert [a.yen for a in rr.amounts] == [500]
    assert rr.over_limit == []


def test_rubric_result_round_trips():
    rr = T.match_rubric("申し訳ございません。1万円返金します。", RUBRIC)
    again = T.RubricResult.from_dict(rr.to_dict())
    assert again == rr


# --- yen ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "said, yen",
    [
        ("5,000円", 5000),
        ("五千円", 5000),
        ("3万円", 30000),
        ("1万2千円", 12000),
        ("3万5000円", 35000),
        ("千円", 1000),
        ("百五十円", 150),
        ("５０００円", 5000),
        ("二万五千円", 25000),
        ("1億2,000万円", 120_000_000),
        ("0円", 0),
    ],
)
def test_yen_amounts(said, yen):
    text = f"はい、{said}をお返しします。"
    amounts = T.find_yen_amounts(text)
    assert [a.yen for a in amounts] == [yen]
    assert text[slice(*amounts[0].span)] == said
    assert amounts[0].promised


def test_no_amount_in_plain_text():
    assert T.find_yen_amounts("円満に解決したいと思います。") == []


# --- Whisper loops ------------------------------------------------------------------------------
def test_collapse_repeats():
    assert (
        T.collapse_repeats("確認します。お前は、お前は、お前は、お前は、お前は")[0]
        == "確認します。お前は、"
    )
    same = "はいはい、申し訳ございません申し訳ございません"
    assert T.collapse_repeats(same) == (same, 0)
