"""The one refusal family: what a person may not do, said in their language.

A :class:`Refusal` carries an i18n key (``core/strings/*.toml``) and its values; pages catch
``Refusal`` only and show it through ``ui.shell.show_refusal(e)`` (the catalogue text in the
viewer's language, never raw English). There are three kinds:

- :class:`NotAllowed` (``kind == "not_allowed"``): ``core.access`` said no. Also a
  ``PermissionError``.
- :class:`NotFound` (``kind == "not_found"``): no such row, or none the viewer may see (the
  same answer, so that a refusal does not tell what exists). Also a ``LookupError``.
- :class:`Invalid` (``kind == "invalid"``): the request itself is wrong (bad input, a step out
  of order). Each area names its own subclass (``UserError``, ``WellbeingError``,
  ``ReviewError``, ``PracticeError``) so that tests and logs say where it came from.

The pure packages never import this module: ``wellbeing`` raises its own
:class:`wellbeing.instruments.AnswerError` (a key and values too), which the services turn into
an :class:`Invalid`.
"""

from __future__ import annotations

from typing import ClassVar


class Refusal(ValueError):
    """A refused request; ``key`` is an i18n key, ``values`` its parameters."""

    kind: ClassVar[str] = "invalid"
    default_key: ClassVar[str] = "app.refused"

    def __init__(self, key: str | None = None, **values: object):
        key = key or self.default_key
        super().__init__(key)
        self.key = key
        self.values = values


class NotAllowed(Refusal, PermissionError):
    """``core.access`` refused: the viewer may not do this (default text ``app.refused``)."""

    kind = "not_allowed"
    default_key = "app.refused"


class NotFound(Refusal, LookupError):
    """No such thing, or none the viewer may see (default text ``app.not_found``)."""

    kind = "not_found"
    default_key = "app.not_found"


class Invalid(Refusal):
    """The request is wrong as asked (bad input, a step out of order)."""

    kind = "invalid"


class WellbeingError(Invalid):
    """A refused wellbeing request (consent, check-in, one-on-one, incident); ``key`` is an i18n
    key of ``core/strings/wellbeing.toml``."""
