"""``python -m analysis intents``: one JSON object per text, library or a turn's groups."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from analysis import intents_cli as C


def run(argv, capsys, stdin: str = ""):
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = C.intents_command(argv)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_texts_as_arguments_check_the_whole_library(capsys):
    code, rows, _ = run(["心よりお詫びいたします。", "返金はできかねます。"], capsys)
    assert code == 0 and [r["text"] for r in rows] == [
        "心よりお詫びいたします。",
        "返金はできかねます。",
    ]
    [apology] = rows[0]["groups"]
    assert apology["id"] == "apology" and apology["kind"] == "required"
    s, e = apology["span"]
    assert rows[0]["text"][s:e] == apology["evidence"] == "お詫びいたします"
    assert 0 < apology["confidence"] <= 1
    assert "flat_refusal" in {g["id"] for g in rows[1]["groups"]}
    assert {g["kind"] for g in rows[1]["groups"] if g["id"] == "flat_refusal"} == {"ng"}


def test_stdin_one_text_per_line_and_a_turns_limit(capsys):
    code, rows, _ = run(
        ["--scenario", "beyond_authority", "--turn", "t2_when"],
        capsys,
        stdin="3万円をご返金いたします。\n\n3万円のご返金は、上司に確認いたします。\n",
    )
    assert code == 0 and len(rows) == 2
    assert rows[0]["yen"] == [
        {
            "yen": 30000,
            "text": "3万円",
            "span": [0, 3],
            "promised": True,
            "over_limit": True,
            "full_refund": False,
        }
    ]
    assert rows[1]["yen"][0]["promised"] is False
    assert "escalation" in {g["id"] for g in rows[1]["groups"]}


def test_bad_usage_gets_a_japanese_message(capsys):
    code, rows, err = run(["--scenario", "nope", "x"], capsys)
    assert code == 2 and rows == [] and "シナリオ「nope」が見つかりません" in err
    code, _, err = run(["--turn", "t1", "x"], capsys)
    assert code == 2 and "--scenario が必要" in err
    code, _, err = run([], capsys, stdin="\n")
    assert code == 2 and "判定する文がありません" in err


def test_module_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "analysis", "intents", "オッケーです"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    row = json.loads(out.stdout)
    assert [g["id"] for g in row["groups"]] == ["casual"]
