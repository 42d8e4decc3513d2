"""The one shape of the engine's refusals: a code for programs, a message for people."""

from __future__ import annotations


class AnalysisError(Exception):
    """A refusal with a machine-readable ``code`` and a message in Japanese and English.

    ``str(error)`` is the Japanese message (the UI speaks Japanese first).
    """

    def __init__(self, code: str, message_ja: str, message_en: str):
        super().__init__(message_ja)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en

    def message(self, lang: str = "ja") -> str:
        """The message in ``lang`` ("ja" or "en"; anything else gets the Japanese)."""
        return self.message_en if lang == "en" else self.message_ja
