"""analysis.convert: the CTranslate2 reader sees the Whisper spec, and the openai-whisper
conversion loads strictly with the right alignment heads."""

from __future__ import annotations

import base64
import gzip
import json

import numpy as np
import pytest

from analysis.convert import (
    alignment_heads_dump,
    ensure_openai_checkpoint,
    official_alignment_heads,
    read_ct2_model,
)
from analysis.modelpack import ensure_base_model


@pytest.fixture(scope="module")
def base_dir(model_cache_dir):
    return ensure_base_model(model_cache_dir)


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


def test_alignment_heads_dump_is_the_official_encoding():
    import whisper

    heads = [tuple(h) for h in np.argwhere(np.frombuffer(
        gzip.decompress(base64.b85decode(whisper._ALIGNMENT_HEADS["base"])), bool
    ).reshape(6, 8)).tolist()]  # fmt: skip
    dump = alignment_heads_dump(heads, 6, 8)
    assert gzip.decompress(base64.b85decode(dump)) == gzip.decompress(
        base64.b85decode(whisper._ALIGNMENT_HEADS["base"])
    )
    base_dims = {"n_mels": 80, "n_text_state": 512, "n_text_head": 8, "n_text_layer": 6,
                 "n_vocab": 51865}  # fmt: skip
    assert official_alignment_heads(base_dims) == whisper._ALIGNMENT_HEADS["base"]
    assert official_alignment_heads({**base_dims, "n_vocab": 12345}) is None
