"""A CTranslate2 Whisper model converted losslessly into an openai-whisper checkpoint.

faster-whisper loads the bundled CTranslate2 ``model.bin`` as is; openai-whisper needs a
PyTorch checkpoint ``{"dims", "model_state_dict"}``. This module reads ``model.bin`` (binary
version 6, :func:`read_ct2_model`), maps its tensors to Whisper's names without re-quantising
(:func:`ct2_to_openai`), writes the checkpoint (:func:`convert_ct2_to_openai`) and caches it by
the source's SHA-256 (:func:`ensure_openai_checkpoint`). Word timestamps need the alignment heads
(:func:`alignment_heads_dump`, :func:`official_alignment_heads`).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.modelpack import ModelPackError, check_ct2_dir, ensure_base_model, file_sha256

OPENAI_DIRNAME = "whisper-openai"  # converted checkpoints live here
CONVERTER_VERSION = 1  # bump when the conversion changes, to invalidate cached checkpoints

# CTranslate2 model.bin (binary version 6, ctranslate2/specs/model_spec.py)
CT2_BINARY_VERSION = 6
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
CT2_BFLOAT16 = 5
WHISPER_SPEC = "WhisperSpec"

# (n_mels, n_text_state, n_text_head, n_text_layer, n_vocab) -> official openai-whisper name
OFFICIAL_MODELS = {
    (80, 384, 4, 4, 51865): "tiny",
    (80, 384, 4, 4, 51864): "tiny.en",
    (80, 512, 8, 6, 51865): "base",
    (80, 512, 8, 6, 51864): "base.en",
    (80, 768, 12, 12, 51865): "small",
    (80, 768, 12, 12, 51864): "small.en",
    (80, 1024, 16, 24, 51865): "medium",
    (80, 1024, 16, 24, 51864): "medium.en",
    (128, 1280, 20, 32, 51866): "large-v3",
    (128, 1280, 20, 4, 51866): "large-v3-turbo",
}


def read_ct2_model(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    """Read a CTranslate2 model.bin (binary version 6).

    Parameters
    ----------
    path : Path
        The model.bin file.

    Returns
    -------
    spec : str
        The spec name (``"WhisperSpec"`` for Whisper).
    variables : dict of str to ndarray
        Every variable by name in its stored dtype (float16 stays float16; bfloat16 becomes
        float32); aliases point at the arrays of their targets.

    Raises
    ------
    ModelPackError
        ``not_found``, or ``bad_format`` for another version or a truncated file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ModelPackError.make("not_found", path=path) from e
    off = 0

    def take(fmt: str):
        nonlocal off
        vals = struct.unpack_from(fmt, data, off)
        off += struct.calcsize(fmt)
        return vals[0] if len(vals) == 1 else vals

    def string() -> str:
        nonlocal off
        n = take("<H")
        s = data[off : off + n - 1].decode("utf-8")
        off += n
        return s

    try:
        version = take("<I")
        if version != CT2_BINARY_VERSION:
            raise ValueError(f"CTranslate2 binary version {version}, expected 6")
        spec = string()
        take("<I")  # spec revision
        variables: dict[str, np.ndarray] = {}
        for _ in range(take("<I")):
            name = string()
            rank = take("<B")
            shape = tuple(take("<I") for _ in range(rank))
            dtype_id = take("<B")
            nbytes = take("<I")
            if off + nbytes > len(data):
                raise ValueError("file ends inside a variable (truncated)")
            raw = data[off : off + nbytes]
            off += nbytes
            if dtype_id == CT2_BFLOAT16:
                arr = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
            elif dtype_id in CT2_DTYPES:
                arr = np.frombuffer(raw, CT2_DTYPES[dtype_id])
            else:
                raise ValueError(f"unknown dtype id {dtype_id}")
            variables[name] = arr.reshape(shape)
        for _ in range(take("<I")):
            alias, target = string(), string()
            variables[alias] = variables[target]
    except (struct.error, ValueError, UnicodeDecodeError, KeyError) as e:
        raise ModelPackError.make("bad_format", path=path, reason=str(e)) from e
    return spec, variables


@dataclass(frozen=True)
class ConvertedCheckpoint:
    """An openai-whisper checkpoint made from a CTranslate2 model.

    dims: ModelDimensions fields. state_dict: name -> numpy array (stored dtype).
    alignment_heads: [(text layer, head), ...] for word timestamps.
    """

    dims: dict[str, int]
    state_dict: dict[str, np.ndarray]
    alignment_heads: list[tuple[int, int]]


def _linear(sd: dict, ct2: dict, src: str, dst: str, *, bias: bool = True) -> None:
    sd[f"{dst}.weight"] = ct2[f"{src}/weight"]
    if bias:
        sd[f"{dst}.bias"] = ct2[f"{src}/bias"]


def _split_rows(ct2: dict, src: str, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split a stacked projection (weight (n*d, d_in), bias (n*d,)) into n (weight, bias)."""
    w, b = ct2[f"{src}/weight"], ct2[f"{src}/bias"]
    return list(zip(np.split(w, n, axis=0), np.split(b, n, axis=0)))


def _layer_norm(sd: dict, ct2: dict, src: str, dst: str) -> None:
    sd[f"{dst}.weight"] = ct2[f"{src}/gamma"]
    sd[f"{dst}.bias"] = ct2[f"{src}/beta"]


def _attention(sd: dict, ct2: dict, src: str, dst: str, *, cross: bool) -> None:
    """Map one CTranslate2 attention block (fused projections) to Whisper's query/key/value/out.
    Whisper's key projection has no bias; CTranslate2 stores zeros for it, which are dropped."""
    if cross:
        _linear(sd, ct2, f"{src}/linear_0", f"{dst}.query")
        (kw, _), (vw, vb) = _split_rows(ct2, f"{src}/linear_1", 2)
        out = f"{src}/linear_2"
    else:
        (qw, qb), (kw, _), (vw, vb) = _split_rows(ct2, f"{src}/linear_0", 3)
        sd[f"{dst}.query.weight"], sd[f"{dst}.query.bias"] = qw, qb
        out = f"{src}/linear_1"
    sd[f"{dst}.key.weight"] = kw
    sd[f"{dst}.value.weight"], sd[f"{dst}.value.bias"] = vw, vb
    _linear(sd, ct2, out, f"{dst}.out")


def _count_layers(ct2: dict, prefix: str) -> int:
    n = 0
    while f"{prefix}/layer_{n}/ffn/linear_0/weight" in ct2:
        n += 1
    return n


def ct2_to_openai(model_dir: Path) -> ConvertedCheckpoint:
    """Convert a faster-whisper (CTranslate2) model folder to openai-whisper tensors.

    The mapping is lossless (no re-quantisation; stored positional encodings are kept).

    Parameters
    ----------
    model_dir : Path
        A folder with model.bin (and config.json for the alignment heads).

    Returns
    -------
    ConvertedCheckpoint
        ``dims`` (ModelDimensions fields), ``state_dict`` (numpy arrays in the stored dtype)
        and ``alignment_heads`` (from config.json; empty without it).

    Raises
    ------
    ModelPackError
        ``bad_format`` for another spec or int8-quantised weights (cannot be converted).
    """
    model_dir = Path(model_dir)
    spec, ct2 = read_ct2_model(model_dir / "model.bin")
    if spec != WHISPER_SPEC:
        raise ModelPackError.make(
            "bad_format", path=model_dir, reason=f"spec {spec!r} is not WhisperSpec"
        )
    if ct2["decoder/embeddings/weight"].dtype == np.int8:
        raise ModelPackError.make(
            "bad_format", path=model_dir, reason="int8-quantised weights cannot be converted"
        )
    n_audio_layer = _count_layers(ct2, "encoder")
    n_text_layer = _count_layers(ct2, "decoder")
    sd: dict[str, np.ndarray] = {}
    sd["encoder.conv1.weight"] = ct2["encoder/conv1/weight"]
    sd["encoder.conv1.bias"] = ct2["encoder/conv1/bias"]
    sd["encoder.conv2.weight"] = ct2["encoder/conv2/weight"]
    sd["encoder.conv2.bias"] = ct2["encoder/conv2/bias"]
    sd["encoder.positional_embedding"] = ct2["encoder/position_encodings/encodings"]
    for side, n, has_cross in (("encoder", n_audio_layer, False), ("decoder", n_text_layer, True)):
        for i in range(n):
            src, dst = f"{side}/layer_{i}", f"{side}.blocks.{i}"
            _attention(sd, ct2, f"{src}/self_attention", f"{dst}.attn", cross=False)
            _layer_norm(sd, ct2, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
            if has_cross:
                _attention(sd, ct2, f"{src}/attention", f"{dst}.cross_attn", cross=True)
                _layer_norm(sd, ct2, f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
            _linear(sd, ct2, f"{src}/ffn/linear_0", f"{dst}.mlp.0")
            _linear(sd, ct2, f"{src}/ffn/linear_1", f"{dst}.mlp.2")
            _layer_norm(sd, ct2, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
    _layer_norm(sd, ct2, "encoder/layer_norm", "encoder.ln_post")
    _layer_norm(sd, ct2, "decoder/layer_norm", "decoder.ln")
    sd["decoder.token_embedding.weight"] = ct2["decoder/embeddings/weight"]
    sd["decoder.positional_embedding"] = ct2["decoder/position_encodings/encodings"]

    conv1 = ct2["encoder/conv1/weight"]
    dims = {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(ct2["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(conv1.shape[0]),
        "n_audio_head": int(ct2["encoder/num_heads"]),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(ct2["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(ct2["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(ct2["decoder/embeddings/weight"].shape[1]),
        "n_text_head": int(ct2["decoder/num_heads"]),
        "n_text_layer": n_text_layer,
    }
    heads: list[tuple[int, int]] = []
    config = model_dir / "config.json"
    if config.is_file():
        heads = [tuple(h) for h in json.loads(config.read_text()).get("alignment_heads", [])]
    return ConvertedCheckpoint(dims=dims, state_dict=sd, alignment_heads=heads)


def alignment_heads_dump(
    heads: list[tuple[int, int]], n_text_layer: int, n_text_head: int
) -> bytes:
    """Encode (layer, head) pairs the way ``Whisper.set_alignment_heads`` expects.

    Parameters
    ----------
    heads : list of (int, int)
        Text-decoder layer and head indices, 0-based.
    n_text_layer, n_text_head : int
        Shape of the mask.

    Returns
    -------
    bytes
        base85 of gzip (mtime 0) of a bool mask of shape (n_text_layer, n_text_head).
    """
    mask = np.zeros((n_text_layer, n_text_head), dtype=bool)
    for layer, head in heads:
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes(), mtime=0))


def convert_ct2_to_openai(model_dir: Path, out_path: Path) -> Path:
    """Write an openai-whisper checkpoint for a CTranslate2 model folder (atomically).

    Parameters
    ----------
    model_dir : Path
        A faster-whisper model folder.
    out_path : Path
        Where the ``.pt`` goes (its folder is created).

    Returns
    -------
    Path
        ``out_path``: ``{"dims", "model_state_dict", "alignment_heads"}``, which
        ``whisper.load_model`` reads (it ignores ``alignment_heads``, a list of [layer, head]).
    """
    import torch  # only openai-whisper needs it (1–1.5 s to import): loaded on first use

    conv = ct2_to_openai(model_dir)
    checkpoint = {
        "dims": conv.dims,
        "model_state_dict": {k: torch.from_numpy(v.copy()) for k, v in conv.state_dict.items()},
        "alignment_heads": [list(h) for h in conv.alignment_heads],
    }
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", dir=out_path.parent)
    os.close(fd)
    try:
        torch.save(checkpoint, tmp)
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out_path


def _converted_path(cache_dir: Path, source_sha256: str) -> Path:
    return Path(cache_dir) / OPENAI_DIRNAME / f"{source_sha256[:16]}-v{CONVERTER_VERSION}.pt"


def ensure_openai_checkpoint(cache_dir: Path, model_dir: Path | None = None) -> Path:
    """An openai-whisper checkpoint converted from a CTranslate2 model folder, made once.

    Parameters
    ----------
    cache_dir : Path
        The model cache; checkpoints go to ``<cache_dir>/whisper-openai/`` named by the
        source's SHA-256 and :data:`CONVERTER_VERSION`.
    model_dir : Path or None
        A faster-whisper model folder; ``None`` means the bundled base model.

    Returns
    -------
    Path
        The cached ``.pt`` checkpoint.
    """
    if model_dir is None:
        model_dir = ensure_base_model(cache_dir)
    model_dir = check_ct2_dir(model_dir)
    source_sha = file_sha256(model_dir / "model.bin")
    out = _converted_path(cache_dir, source_sha)
    if not out.is_file():
        convert_ct2_to_openai(model_dir, out)
    return out


def official_alignment_heads(dims: dict[str, int]) -> bytes | None:
    """Alignment-head dump of the official openai-whisper model with these dims, if any.

    Parameters
    ----------
    dims : dict of str to int
        ModelDimensions fields of a checkpoint.

    Returns
    -------
    bytes or None
        openai-whisper's own dump for tiny/base/small/medium (multilingual or .en) and
        large-v3/turbo (:data:`OFFICIAL_MODELS`); ``None`` for any other shape.
    """
    import whisper  # only openai-whisper needs it: loaded on first use

    key = (
        dims["n_mels"],
        dims["n_text_state"],
        dims["n_text_head"],
        dims["n_text_layer"],
        dims["n_vocab"],
    )
    name = OFFICIAL_MODELS.get(key)
    return whisper._ALIGNMENT_HEADS.get(name) if name else None
