"""Which file each Whisper engine loads: the bundled base model or a user's own model.

A faster-whisper (CTranslate2) folder works for both engines (converted for openai-whisper,
:mod:`analysis.convert`); an openai-whisper ``.pt`` file works for openai-whisper only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from analysis.convert import ensure_openai_checkpoint
from analysis.modelpack import ModelPackError, check_ct2_dir, ensure_base_model

Engine = Literal["faster-whisper", "openai-whisper"]
ENGINES: tuple[str, ...] = get_args(Engine)  # the one list of engines (CLI, settings, bench)
FASTER_WHISPER, OPENAI_WHISPER = ENGINES
DEFAULT_ENGINE = FASTER_WHISPER  # several times faster on CPU (int8)


def resolve_model(engine: str, model_path: Path | None, cache_dir: Path) -> Path:
    """The path ``engine`` loads.

    Parameters
    ----------
    engine : str
        One of :data:`ENGINES`.
    model_path : Path or None
        A faster-whisper folder, an openai-whisper ``.pt`` file, or ``None`` for the bundled
        base model.
    cache_dir : Path
        Where the bundled model is assembled and conversions are cached.

    Returns
    -------
    Path
        A faster-whisper folder (faster-whisper) or a ``.pt`` checkpoint (openai-whisper; a
        folder is converted and cached first).

    Raises
    ------
    ModelPackError
        ``not_found``, ``incomplete_dir``, ``engine_mismatch`` (a ``.pt`` for faster-whisper) or
        the bundled model's own errors.
    """
    if model_path is None:
        if engine == FASTER_WHISPER:
            return ensure_base_model(cache_dir)
        return ensure_openai_checkpoint(cache_dir)
    model_path = Path(model_path).expanduser()
    if model_path.is_dir():
        check_ct2_dir(model_path)
        if engine == FASTER_WHISPER:
            return model_path
        return ensure_openai_checkpoint(cache_dir, model_path)
    if model_path.is_file():
        if engine == FASTER_WHISPER:
            raise ModelPackError.make("engine_mismatch", path=model_path)
        return model_path
    raise ModelPackError.make("not_found", path=model_path)
