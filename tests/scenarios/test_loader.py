from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scenarios.loader import (
    DEFAULT_DIRECTORY,
    LoadError,
    format_loc,
    load_catalogue,
    load_phrases,
)

GOOD = ["late_delivery.toml", "billing_error.toml", "harassment_abuse.toml"]


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    for name in GOOD:
        shutil.copy(DEFAULT_DIRECTORY / name, d / name)
    return d


def _errors_for(cat, name: str) -> list[LoadError]:
    return [e for e in cat.errors if e.file.name == name]


def test_default_directory_loads_cleanly():
    cat = load_catalogue()
    assert cat.errors == []
    assert len(cat) >= 12
    assert cat.get("late_delivery") is cat["late_delivery"]
    assert cat.get("nope") is None
    assert cat.files["late_delivery"].name == "late_delivery.toml"


def test_good_directory(scenario_dir):
    cat = load_catalogue(scenario_dir)
    assert cat.errors == []
    assert set(cat.scenarios) == {"late_delivery", "billing_error", "harassment_abuse"}


def test_bad_toml_names_the_file_and_others_load(scenario_dir):
    (scenario_dir / "broken.toml").write_text(
        'id = "broken"\ntitle = "閉じていない\n', encoding="utf-8"
    )
    cat = load_catalogue(scenario_dir)
    [err] = cat.errors
    assert err.file == scenario_dir / "broken.toml"
    assert err.field == ""
    assert "invalid TOML" in err.message and "line" in err.message
    assert "broken.toml" in str(err)
    assert len(cat) == 3


def test_missing_field_names_file_and_field(scenario_dir):
    path = scenario_dir / "late_delivery.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('title_en = "Late delivery', 'xtitle_en = "Late delivery'), encoding="utf-8"
    )
    cat = load_catalogue(scenario_dir)
    errs = _errors_for(cat, "late_delivery.toml")
    fields = {e.field for e in errs}
    assert "title_en" in fields  # missing
    assert "xtitle_en" in fields  # unexpected
    assert all(e.file == path for e in cat.errors)
    assert "late_delivery" not in cat.scenarios
    assert set(cat.scenarios) == {"billing_error", "harassment_abuse"}
    assert "late_delivery.toml: title_en:" in [
        str(e)[: len("late_delivery.toml: title_en:")] for e in errs
    ]


def test_goto_to_nowhere_names_the_goto(scenario_dir):
    path = scenario_dir / "billing_error.toml"
    text = path.read_text(encoding="utf-8")
    assert '{ otherwise = true, goto = "t2_confirmed" },' in text
    path.write_text(
        text.replace(
            '{ otherwise = true, goto = "t2_confirmed" },',
            '{ otherwise = true, goto = "t2_nowhere" },',
            1,
        ),
        encoding="utf-8",
    )
    cat = load_catalogue(scenario_dir)
    [err] = cat.errors
    assert err.file == path
    assert err.field == "turns[0].branches[2].goto"
    assert "t2_nowhere" in err.message
    assert set(cat.scenarios) == {"late_delivery", "harassment_abuse"}


def test_wrong_type_in_a_turn(scenario_dir):
    path = scenario_dir / "harassment_abuse.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("difficulty = 3", 'difficulty = "hard"'), encoding="utf-8")
    cat = load_catalogue(scenario_dir)
    assert [e.field for e in cat.errors] == ["difficulty"]


def test_duplicate_scenario_id_across_files(scenario_dir):
    shutil.copy(scenario_dir / "late_delivery.toml", scenario_dir / "zz_copy.toml")
    cat = load_catalogue(scenario_dir)
    [err] = cat.errors
    assert err.file.name == "zz_copy.toml" and err.field == "id"
    assert cat.files["late_delivery"].name == "late_delivery.toml"


def test_hidden_and_underscore_files_are_skipped(scenario_dir):
    (scenario_dir / "_draft.toml").write_text("not toml [", encoding="utf-8")
    (scenario_dir / ".backup.toml").write_text("not toml [", encoding="utf-8")
    assert load_catalogue(scenario_dir).errors == []


def test_missing_directory(tmp_path):
    cat = load_catalogue(tmp_path / "nope")
    assert len(cat) == 0
    assert cat.errors and cat.errors[0].file == tmp_path / "nope"


def test_broken_phrase_library_is_reported(scenario_dir, tmp_path):
    bad = tmp_path / "phrases.toml"
    bad.write_text(
        '[apology]\nkind = "required"\nlabel = "お詫び"\nphrases = []\n', encoding="utf-8"
    )
    cat = load_catalogue(scenario_dir, phrases_file=bad)
    lib_errors = [e for e in cat.errors if e.file == bad]
    assert [e.field for e in lib_errors] == ["apology.phrases"]
    # scenarios that rely on the (now empty) library fail with a clear field, they don't vanish silently
    assert len(cat) == 0
    assert any("unknown phrase group" in e.message for e in cat.errors if e.file != bad)


def test_load_phrases_default():
    lib, errors = load_phrases()
    assert errors == []
    assert {"apology", "empathy", "repeat_back", "proposal", "next_step", "escalation"} <= set(lib)
    assert {"blame", "but", "rules", "flat_refusal"} <= {
        k for k, g in lib.items() if g.kind == "ng"
    }


def test_filters():
    cat = load_catalogue()
    deliveries = cat.by_tag("配送")
    assert deliveries and all("配送" in s.tags for s in deliveries)
    easy = cat.by_difficulty(1)
    assert easy and all(s.difficulty == 1 for s in easy)
    assert cat.filter(tag="カスハラ") == cat.filter(harassment=True)
    assert all(s.channel == "video" for s in cat.filter(channel="video"))
    both = cat.filter(tag="返金", max_difficulty=2)
    assert both and all("返金" in s.tags and s.difficulty <= 2 for s in both)
    ordered = cat.filter()
    assert [(s.difficulty, s.id) for s in ordered] == sorted((s.difficulty, s.id) for s in ordered)
    assert cat.filter(tag="存在しないタグ") == []
    assert "カスハラ" in cat.tags()


def test_format_loc():
    assert format_loc(("turns", 2, "branches", 0, "goto")) == "turns[2].branches[0].goto"
    assert format_loc(()) == ""
    assert format_loc(("title",)) == "title"
