"""Recordings on disk. A recording is written (atomically) before anything analyses it."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from pathlib import Path

from core.config import get_settings

ALLOWED_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


def recordings_root() -> Path:
    root = get_settings().recordings_dir
    root.mkdir(parents=True, exist_ok=True)
    return root


def save_recording(user_id: int, data: bytes, *, suffix: str = ".wav") -> tuple[str, str]:
    """Store ``data`` under ``recordings/<user_id>/`` and return (relative path, sha256).

    The file is written to a temporary name, flushed to disk and renamed, so a crash never
    leaves half a recording under the final name.
    """
    suffix = suffix.lower() if suffix.lower() in ALLOWED_SUFFIXES else ".bin"
    folder = recordings_root() / str(int(user_id))
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}{suffix}"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return f"{int(user_id)}/{name}", hashlib.sha256(data).hexdigest()


def recording_path(relative: str) -> Path:
    """The absolute path of a stored recording; refuses paths that leave the folder."""
    root = recordings_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"not a recording path: {relative}")
    return path


def read_recording(relative: str) -> bytes:
    return recording_path(relative).read_bytes()
