from analysis.cer import cer, kana_plain, plain


def test_cer_counts_edits_per_reference_character():
    assert cer("至急確認", "至急確認") == 0
    assert cer("至急確認", "地球確認") == 0.5
    assert cer("abc", "") == 1 and cer("", "abc") == 3


def test_plain_and_kana_ignore_punctuation_and_spelling():
    assert plain("はい、承知しました。") == "はい承知しました"
    assert kana_plain("至急") == kana_plain("支給")
