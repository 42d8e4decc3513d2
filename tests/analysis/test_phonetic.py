"""analysis.phonetic: phrases found on kana readings with a small sound-aware tolerance."""

from __future__ import annotations

import pytest

from analysis import phonetic as P
from analysis import reading as R


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
    m = P.find_phrase(transcript, phrase)
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
    assert P.find_phrase(transcript, phrase) is None


def test_short_phrases_need_an_exact_reading():
    assert P.tolerance(2) == 0
    assert P.find_phrase("県に", "件") is not None  # same reading
    assert P.find_phrase("券に", "缶") is None  # ケン vs カン, 2 morae: no tolerance


def test_tolerance_grows_with_length():
    assert [P.tolerance(n) for n in (1, 2, 3, 5, 6, 11, 12, 20)] == [0, 0, 0.5, 0.5, 1, 1, 1.5, 1.5]


def test_wo_particle_matches_exactly():
    # を is read オ in a transcript; the phrase's own reading must agree (no tolerance spent)
    m = P.find_phrase("はい、私が責任を持って対応します", "私が責任を持って")
    assert m is not None and m.distance == 0
    assert R.kana("を") == "オ"


def test_substitution_costs():
    assert P.substitution_cost("シ", "シ") == 0
    assert P.substitution_cost("シ", "チ") == 0.5
    assert P.substitution_cost("カ", "ガ") == 0.5
    assert P.substitution_cost("キ", "ピ") == 1
    assert P.substitution_cost("キ", "カ") == 1  # same consonant, other vowel
    assert P.indel_cost("ー") == 0.5 and P.indel_cost("ッ") == 0.5 and P.indel_cost("ン") == 1
