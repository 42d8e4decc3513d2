"""``python -m wellbeing``: one JSON object out, clear errors, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wellbeing.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "ascii"}
    return subprocess.run(
        [sys.executable, "-m", "wellbeing", *args],
        capture_output=True,
        check=False,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def score(capsys, *args: str) -> dict:
    assert main(["score", *args]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object, one line
    return json.loads(out)


def test_subprocess_prints_one_json_object_in_utf8():
    p = run("score", "--who5", "1,1,1,1,1", "--k6", "3,3,3,3,1,0", "--history-who5", "20,20,20,20")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout.decode("utf-8"))  # UTF-8 even with an ASCII console
    assert data["who5_raw"] == 5
    assert data["who5_pct"] == 20
    assert data["k6_total"] == 13
    assert data["level"] == "urgent"
    codes = [r["code"] for r in data["reasons"]]
    assert codes == [
        "k6_serious",
        "who5_very_low",
        "who5_low",
        "who5_item_low",
        "k6_elevated",
        "who5_drop",
    ]
    for r in data["reasons"]:
        assert set(r) == {"code", "ja", "en"}
        assert r["ja"] and r["en"]


def test_fine_checkin(capsys):
    data = score(capsys, "--who5", "4,4,4,4,4")
    assert data == {
        "who5_raw": 20,
        "who5_pct": 80,
        "k6_total": None,
        "level": "none",
        "reasons": [],
        "who5_baseline_pct": None,
        "show_support_contacts": False,
    }


@pytest.mark.parametrize(
    "k6, level",
    [
        ("3,3,3,0,0,0", "none"),
        ("3,3,3,1,0,0", "watch"),
        ("3,3,3,3,0,0", "watch"),
        ("3,3,3,3,1,0", "urgent"),
    ],
)
def test_k6_cutoffs_through_the_cli(capsys, k6, level):
    assert score(capsys, "--who5", "4,4,4,4,4", "--k6", k6)["level"] == level


def test_history_baseline_drop(capsys):
    # current 60 %, baseline 70 %: exactly 10 points
    data = score(capsys, "--who5", "3,3,3,3,3", "--history-who5", "10,17,17,18,18")
    assert data["who5_baseline_pct"] == 70.0
    assert [r["code"] for r in data["reasons"]] == ["who5_drop"]
    data = score(capsys, "--who5", "3,3,3,3,3", "--history-who5", "17,17,18")
    assert data["reasons"] == []


def test_job_flags(capsys):
    data = score(
        capsys,
        "--who5", "4,4,4,4,4",
        "--job", "harassment=two_three,workload=heavy,consult=agree,sleep=fairly",
        "--previous-job", "workload=manageable",
        "--harassment-kinds", "threats,long_calls",
        "--one-on-one",
        "--roleplays", "2",
        "--feedback",
    )  # fmt: skip
    codes = [r["code"] for r in data["reasons"]]
    assert codes == [
        "harassment_threat",
        "one_on_one_requested",
        "job_item_drop",  # harassment: none → 2–3 (previous defaults to the best levels)
        "job_item_drop",  # workload: manageable → heavy
        "job_items_several_poor",
        "roleplay_load",
    ]
    assert data["level"] == "urgent"
    assert data["show_support_contacts"] is True
    assert data["feedback"]["show_support_contacts"] is True
    assert "あなたのせいではありません" in data["feedback"]["message"]["ja"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--who5", "3,3,3,3"], "expected 5 answers, got 4"),
        (["--who5", "3,3,3,3,6"], "between 0 and 5"),
        (["--who5", "3,3,3,3,x"], "comma-separated integers"),
        (["--who5", "3,,3,3,3"], "comma-separated integers"),
        (["--who5", "3,3,3,3,3", "--k6", "1,1,1"], "k6: expected 6 answers"),
        (["--who5", "3,3,3,3,3", "--history-who5", "30"], "history_who5_raw"),
        (["--who5", "3,3,3,3,3", "--job", "bogus=1"], "unknown item 'bogus'"),
        (["--who5", "3,3,3,3,3", "--job", "sleep"], "item=answer pairs"),
        (["--who5", "3,3,3,3,3", "--job", "sleep=awful"], "unknown answer 'awful'"),
        (["--who5", "3,3,3,3,3", "--harassment-kinds", "threats"], "exposure is 'none'"),
        (["--who5", "3,3,3,3,3", "--roleplays", "-1"], "harassment_roleplays"),
        (["--who5", "3,3,3,3,3", "--roleplays", "two"], "--roleplays"),
        ([], "--who5"),
    ],
)
def test_bad_input_exits_nonzero_with_a_clear_message(capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        code = main(["score", *args])
        raise SystemExit(code)
    assert exc.value.code != 0
    err = capsys.readouterr()
    assert message in err.err
    assert err.out == ""
    assert "Traceback" not in err.err


def test_bad_input_in_a_real_process_has_no_traceback():
    p = run("score", "--who5", "9,9,9,9,9")
    assert p.returncode != 0
    assert p.stdout == b""
    err = p.stderr.decode("utf-8")
    assert "between 0 and 5" in err
    assert "Traceback" not in err
    p = run()
    assert p.returncode != 0 and b"Traceback" not in p.stderr


def test_items_command(capsys):
    assert main(["items"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["who5"]["stem"]["ja"] == "最近2週間、私は…"
    assert [c["value"] for c in data["k6"]["choices"]] == [0, 1, 2, 3, 4]
    assert [j["id"] for j in data["job_items"]] == ["harassment", "workload", "consult", "sleep"]
