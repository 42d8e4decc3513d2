"""The intent recogniser (analysis.intents): normalisation, clauses, patterns with negation and
scope, the unless/exclusive rules, the kana phrase layer, spans."""

from __future__ import annotations

import pytest

from analysis.clauses import split_clauses
from analysis.intents import (
    IntentGroup,
    Layers,
    compile_pattern,
    intent_group,
    load_intents,
    match_pattern,
    parse_intents,
    recognise,
    scope,
)
from analysis.morph import analyse
from scenarios.schema import default_phrase_library


@pytest.fixture(scope="module")
def library() -> list[IntentGroup]:
    return [
        intent_group(gid, g.kind, g.label, g.phrases) for gid, g in default_phrase_library().items()
    ]


def found(text: str, groups: list[IntentGroup]) -> set[str]:
    return recognise(text, groups).found()


def words(text: str):
    return [m for m in analyse(text) if not m.is_symbol]


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "text",
    [
        "ご迷惑をおかけしました",
        "ご迷惑をおかけいたしました",
        "ご迷惑をおかけしてしまい",
        "ご迷惑お掛けしました",
    ],
)
def test_one_pattern_covers_conjugation_and_politeness(text):
    assert match_pattern(compile_pattern("迷惑 掛ける"), words(text)) is not None


def test_morphs_keep_spans_into_the_text():
    text = "大変ご迷惑を、おかけいたしました。"
    for m in analyse(text):
        assert text[m.span[0] : m.span[1]] == m.surface
    pat = compile_pattern("迷惑 掛ける")
    for spelling in ("ご迷惑をおかけしました", "ご迷惑をお掛けしました"):
        assert match_pattern(pat, words(spelling))[2] == 2  # a spelling variant, full quality


def test_reading_tolerates_whisper_homophones():
    pat = compile_pattern("上司 … 確認")
    got = match_pattern(pat, words("上肢に確認してまいります"))  # ジョウシ = ジョウシ
    assert got is not None and got[2] == 1  # matched through the reading only
    assert match_pattern(compile_pattern("上司 … 確認"), words("城に確認します")) is None


def test_colloquial_spelling_matches_only_itself():
    pat = compile_pattern("=こっち")
    assert match_pattern(pat, words("こっちのミスです")) is not None
    assert match_pattern(pat, words("こちらのミスです")) is None  # both normalise to 此方


# --------------------------------------------------------------------------- clauses


def test_clauses_split_after_conjunctive_particles_and_sentences():
    text = "申し訳ないとは思いますが、規則ですので。返金はできかねますが代わりの品でしたらご用意できます"
    got = [c.text(text) for c in split_clauses(text)]
    assert got == [
        "申し訳ないとは思いますが",
        "規則ですので",
        "返金はできかねますが",
        "代わりの品でしたらご用意できます",
    ]
    assert [c.sentence for c in split_clauses(text)] == [0, 0, 1, 1]


def test_sentence_initial_desuga_is_not_a_clause_end():
    text = "ですが、お客様"
    assert len(split_clauses(text)) == 1


# --------------------------------------------------------------------------- negation and scope


def test_scope_rules():
    assert scope(words("つもりはありません")) == "negated"
    assert scope(words("わけではございません")) == "negated"
    assert scope(words("ないわけではございません")) == "ok"  # double negation
    assert scope(words("てほしいとのことですね")) == "reported"
    assert scope(words("て申し訳ございません")) == "ok"  # a content word ends the scope
    assert scope(words("のではないでしょうか")) == "ok"  # rhetorical question, not a denial


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("心よりお詫びいたします。", {"apology"}, set()),
        ("大変ご迷惑をおかけいたしました。", {"apology"}, set()),
        ("本当にすみませんでした。", {"apology"}, set()),
        ("申し訳ない限りです。", {"apology"}, set()),
        ("謝るつもりはありません。", set(), {"apology"}),
        ("ご迷惑をおかけしたとは思っておりません。", set(), {"apology"}),
        ("申し訳ないとは思いますが、規則ですので。", {"apology", "rules"}, set()),
        ("お客様のお気持ちはごもっともです。", {"empathy"}, set()),
        ("がっかりなさいましたよね。", {"empathy"}, set()),
        ("上司と相談させてください。", {"escalation"}, set()),
        ("課長におつなぎいたします。", {"escalation"}, set()),
        ("管理者に確認のうえ、改めてご案内いたします。", {"escalation"}, set()),
        ("上司に代わってほしいとのことですね。", {"repeat_back"}, {"escalation"}),
        ("上司に確認しなくても、私の判断でご返金できます。", set(), {"escalation"}),
        ("返金はできかねます。", {"flat_refusal"}, set()),
        (
            "返金はできかねますが、代わりの商品でしたらすぐにご用意できます。",
            {"proposal"},
            {"flat_refusal"},
        ),
        ("返金できないわけではございません。", set(), {"flat_refusal"}),
        ("オッケーです。", {"casual"}, set()),
        ("マジですか。", {"casual"}, set()),
        ("説明書に書いてありますよね。", {"blame"}, set()),
        ("説明書の十ページに、設定の方法が載っております。", set(), {"blame"}),
        ("お客様のせいではございません。", set(), {"blame"}),
        ("マニュアル上、そういう対応はしておりません。", {"rules"}, set()),
        ("規則を見直して、同じことが起きないようにいたしました。", {"prevention"}, {"rules"}),
        ("二度とこのようなことは絶対に起こりません。", {"absolute_promise"}, set()),
        (
            "同じことが二度と起きないように、手順を見直しました。",
            {"prevention"},
            {"absolute_promise"},
        ),
        ("ご自宅に伺うことはできかねます。", set(), {"give_in"}),
        ("今からご自宅までお詫びに伺います。", {"give_in"}, set()),
        ("録音はしておりませんので、ご安心ください。", set(), {"record"}),
        ("担当ではございませんが、私がお調べしてご連絡いたします。", {"ownership"}, {"not_my_job"}),
    ],
)
def test_sentences(library, text, present, absent):
    got = found(text, library)
    assert present <= got, (text, got)
    assert not (absent & got), (text, got)


def test_polite_neutral_sentences_trigger_nothing(library):
    for text in (
        "かしこまりました。",
        "少々お待ちいただけますでしょうか。",
        "配送には通常二日から三日ほどかかります。",
        "保証期間はお買い上げから一年間でございます。",
        "ご請求額は、税込みで三千三百円でございます。",
    ):
        assert found(text, library) == set(), text


# --------------------------------------------------------------------------- layers, spans


def test_hits_carry_evidence_span_and_kind(library):
    text = "はい。大変ご迷惑をおかけいたしました。でもですね、規則ですので。"
    rec = recognise(text, library)
    apology = rec.best("apology")
    assert apology is not None and apology.kind == "required" and apology.layer == "pattern"
    assert text[apology.span[0] : apology.span[1]] == apology.evidence
    assert "迷惑" in apology.evidence and 0 < apology.confidence <= 1
    rules = rec.best("rules")
    assert rules is not None and rules.kind == "ng" and rules.clause == 2
    assert rec.best("but") is not None
    assert [c.index for c in rec.clauses] == [0, 1, 2]


def test_turn_local_phrase_group_uses_kana_tolerance_and_negation():
    local = IntentGroup("redelivery", "required", "再配達の提案", phrases=("再配達",))
    assert recognise("すぐに再配達いたします。", [local]).found() == {"redelivery"}
    assert recognise("再配達はできません。", [local]).found() == set()  # negated
    rec = recognise("さいはいたつの手配をいたします", [local])  # kana spelling: same reading
    assert rec.found() == {"redelivery"} and rec.hits[0].layer == "phrase"


def test_layers_can_be_switched_off(library):
    text = "心よりお詫びいたします。"
    assert found(text, library) == {"apology"}
    assert recognise(text, library, layers=Layers(patterns=False)).found() == set()


def test_unless_uses_library_patterns_even_if_the_turn_lacks_the_group():
    flat = intent_group("flat_refusal", "ng", "代案のない「できません」", ())
    assert recognise("返金はできかねます。", [flat]).found() == {"flat_refusal"}
    assert recognise("返金はできかねますが、交換でしたらご用意できます。", [flat]).found() == set()


# --------------------------------------------------------------------------- data


def test_intents_toml_is_valid_and_matches_the_phrase_library():
    specs = load_intents()
    lib = default_phrase_library()
    assert set(specs) <= set(lib), set(specs) - set(lib)
    assert all(specs[g].patterns for g in lib), [g for g in lib if not specs[g].patterns]
    for spec in specs.values():
        for gid in (*spec.unless, *spec.exclusive):
            assert gid in lib


def test_parse_intents_rejects_bad_tables():
    with pytest.raises(ValueError, match="unknown keys"):
        parse_intents({"apology": {"paterns": ["申し訳 NEG"]}})
    with pytest.raises(ValueError, match="empty intent pattern"):
        parse_intents({"apology": {"patterns": ["…"]}})
