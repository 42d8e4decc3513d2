"""A refusal shown to a person: an i18n key (``core/strings/*.toml``) and its values.

Pages show ``ui.tr(e.key, **e.values)``. Each area raises its own subclass, so a page catches
only the refusals of the area it calls.
"""

from __future__ import annotations


class Refusal(ValueError):
    """A refused request; ``key`` is an i18n key, ``values`` its parameters."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values


class WellbeingError(Refusal):
    """A refused wellbeing request (consent, check-in, one-on-one, incident); ``key`` is an i18n
    key of ``core/strings/wellbeing.toml``."""
