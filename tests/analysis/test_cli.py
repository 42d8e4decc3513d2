"""python -m analysis: JSON keys, exit codes, no tracebacks for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.analysis.test_pipeline import REQUIRED_KEYS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def run(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DOJO_DEBUG", None)
    if data_dir is not None:
        env["DOJO_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_no_speech_clip_exits_0_with_no_speech_true(tmp_path):
    clip = tmp_path / "silence.wav"
    sf.write(clip, np.zeros(16000 * 3, np.float32), 16000)
    p = run(str(clip), "--json", data_dir=tmp_path)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["no_speech"] is True and d["score"] is None
    assert REQUIRED_KEYS <= set(d)


def test_no_speech_human_output(tmp_path):
    clip = tmp_path / "silence.wav"
    sf.write(clip, np.zeros(16000 * 3, np.float32), 16000)
    p = run(str(clip), data_dir=tmp_path)
    assert p.returncode == 0
    assert "音声が検出できませんでした" in p.stdout


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda d: d / "missing.wav", "not found"),
        (lambda d: (d / "junk.wav").write_bytes(b"RIFF junk") and d / "junk.wav", "error"),
        (lambda d: (d / "text.txt").write_text("hello") and d / "text.txt", "error"),
    ],
)
def test_bad_input_exits_nonzero_without_traceback(tmp_path, make, needle):
    path = make(tmp_path)
    p = run(str(path), "--json", data_dir=tmp_path)
    assert p.returncode == 2
    assert needle in p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""


def test_unknown_scenario_and_turn_are_usage_errors(tmp_path):
    p = run(str(DATA / "answer_rude.flac"), "--scenario", "no_such_scenario", data_dir=tmp_path)
    assert p.returncode == 2 and "unknown scenario" in p.stderr and "Traceback" not in p.stderr
    p = run(str(DATA / "answer_rude.flac"), "--turn", "t1", data_dir=tmp_path)
    assert p.returncode == 2 and "--scenario" in p.stderr


def test_bad_engine_is_rejected_by_argparse(tmp_path):
    p = run(str(DATA / "answer_rude.flac"), "--engine", "nope", data_dir=tmp_path)
    assert p.returncode == 2 and "invalid choice" in p.stderr


@pytest.mark.slow
def test_json_has_every_key_delivery_only(model_cache_dir):
    p = run(str(DATA / "answer_apology.flac"), "--json", "--cache-dir", str(model_cache_dir))
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert REQUIRED_KEYS <= set(d), REQUIRED_KEYS - set(d)
    assert d["no_speech"] is False and d["rubric"] is None
    assert d["delivery_max"] == 100 and 0 <= d["score"] <= 100
    assert d["transcript"]


@pytest.mark.slow
def test_with_scenario_scores_content(model_cache_dir):
    from scenarios.loader import load_catalogue

    cat = load_catalogue()
    scenario = next(iter(cat))
    turn = scenario.start_turn
    p = run(
        str(DATA / "answer_apology.flac"),
        "--scenario",
        scenario.id,
        "--turn",
        turn.id,
        "--json",
        "--cache-dir",
        str(model_cache_dir),
    )
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["content_max"] == 70 and d["delivery_max"] == 30
    assert {g["id"] for g in d["rubric"]} == {g.id for g in turn.rubric().required}
    assert any(item["key"].startswith("required:") for item in d["breakdown"])


def test_registered_commands_take_their_own_arguments(monkeypatch, tmp_path):
    from analysis import __main__ as cli

    seen = []
    monkeypatch.setitem(cli.COMMANDS, "echo", lambda argv: seen.append(argv) or 7)
    assert cli.main(["echo", "--flag", "x"]) == 7 and seen == [["--flag", "x"]]
    # anything else is a recording to analyse
    assert cli.main([str(tmp_path / "missing.wav")]) == cli.EXIT_BAD_INPUT
