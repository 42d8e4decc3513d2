"""The one shape of the engine's refusals: a code for programs, a message for people."""

from __future__ import annotations

from typing import ClassVar


class AnalysisError(Exception):
    """A refusal with a machine-readable ``code`` and a message in Japanese and English.

    ``str(error)`` is the Japanese message (the UI speaks Japanese first);
    :meth:`message` picks a language. Subclasses keep their texts in ``MESSAGES``
    (``{key: (Japanese, English)}``) and build errors with :meth:`make`.
    """

    MESSAGES: ClassVar[dict[str, tuple[str, str]]] = {}

    def __init__(self, code: str, message_ja: str, message_en: str):
        super().__init__(message_ja)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en

    @classmethod
    def make(cls, code: str, key: str | None = None, **fmt: object) -> AnalysisError:
        """The error for ``code``, its texts from ``MESSAGES[key or code]`` filled with ``fmt``
        (``key`` picks a variant of the message for the same code)."""
        ja, en = cls.MESSAGES[key or code]
        return cls(code, ja.format(**fmt), en.format(**fmt))

    def message(self, lang: str = "ja") -> str:
        """The message in ``lang`` ("ja" or "en"; anything else gets the Japanese)."""
        return self.message_en if lang == "en" else self.message_ja
