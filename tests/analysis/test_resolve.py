"""analysis.resolve: which file each engine loads, for the bundled model and a user's own."""

from __future__ import annotations

import os

import pytest

from analysis.convert import ensure_openai_checkpoint
from analysis.modelpack import ModelPackError, ensure_base_model
from analysis.resolve import DEFAULT_ENGINE, ENGINES, resolve_model


@pytest.fixture(scope="module")
def base_dir(model_cache_dir):
    return ensure_base_model(model_cache_dir)


def test_one_engine_list():
    assert ENGINES == ("faster-whisper", "openai-whisper")
    assert DEFAULT_ENGINE in ENGINES


def test_user_model_folder_and_pt(base_dir, model_cache_dir, tmp_path):
    user = tmp_path / "my-model"
    user.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        os.symlink(base_dir / name, user / name)
    assert resolve_model("faster-whisper", user, model_cache_dir) == user

    incomplete = tmp_path / "incomplete"
    incomplete.mkdir()
    os.symlink(base_dir / "model.bin", incomplete / "model.bin")
    with pytest.raises(ModelPackError) as e:
        resolve_model("faster-whisper", incomplete, model_cache_dir)
    assert e.value.code == "incomplete_dir" and "tokenizer.json" in e.value.message_en

    pt = tmp_path / "base.pt"
    pt.write_bytes(b"not really")
    assert resolve_model("openai-whisper", pt, model_cache_dir) == pt
    with pytest.raises(ModelPackError) as e:
        resolve_model("faster-whisper", pt, model_cache_dir)
    assert e.value.code == "engine_mismatch"
    with pytest.raises(ModelPackError) as e:
        resolve_model("openai-whisper", tmp_path / "missing.pt", model_cache_dir)
    assert e.value.code == "not_found"


@pytest.mark.slow
def test_user_folder_converts_for_openai(base_dir, model_cache_dir, tmp_path):
    user = tmp_path / "my-model"
    user.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        os.symlink(base_dir / name, user / name)
    # same weights -> the same cached conversion as the bundled model
    assert resolve_model("openai-whisper", user, model_cache_dir) == ensure_openai_checkpoint(
        model_cache_dir
    )
