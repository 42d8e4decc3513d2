"""The password policy, in the manner of NIST SP 800-63B (section 5.1.1.2).

- a minimum length (``Settings.password_min_length``, default 12) and a generous maximum;
  every printable character, spaces and emoji included, counts; no composition rules (no
  "one digit, one capital"), no periodic expiry;
- refused when it is a common password (``core/common_passwords.txt``, shipped with the app,
  compared case-insensitively, also with trailing digits and symbols removed), repetitive or
  sequential (``aaaaaaaaaaaa``, ``123456789012``), blank, or equal to / containing the
  username or display name;
- an admin can require a change at the next login (``User.must_change_password``); a reset by
  an admin gives a one-time temporary password (:func:`temporary_password`).

Refusals are :class:`core.errors.Refusal` (or the caller's subclass) with ``password.*`` keys
of ``core/strings/security.toml``.
"""

from __future__ import annotations

import secrets
import unicodedata
from functools import lru_cache
from pathlib import Path

from core.errors import Refusal
from core.validation import PASSWORD_MAX

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"
DEFAULT_MIN_LENGTH = 12
_SEQUENCES = ("0123456789" * 3, "9876543210" * 3, "abcdefghijklmnopqrstuvwxyz",
              "zyxwvutsrqponmlkjihgfedcba", "qwertyuiopasdfghjklzxcvbnm")
# Unambiguous characters for temporary passwords read aloud or typed from a note.
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class PasswordRefused(Refusal):
    """A password the policy refuses; ``key`` is a ``password.*`` i18n key."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip().lower() for x in lines if x.strip() and not x.startswith("#"))


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def _is_common(folded: str) -> bool:
    common = common_passwords()
    if folded in common:
        return True
    core = folded.rstrip("0123456789!@#$%^&*?.-_ ")
    return len(core) >= 4 and core in common


def _is_repetitive_or_sequential(folded: str) -> bool:
    squeezed = folded.replace(" ", "")
    if len(set(squeezed)) <= 2:
        return True
    for period in (2, 3, 4):  # "abab…", "abcabc…"
        unit = squeezed[:period]
        if len(squeezed) >= 2 * period and (unit * (len(squeezed) // period + 1)).startswith(squeezed):
            return True
    return any(squeezed in seq for seq in _SEQUENCES)


def check_password(password: str, *, username: str = "", display_name: str = "",
                   min_length: int | None = None,
                   error: type[Refusal] = PasswordRefused) -> None:
    """Raise ``error`` (``password.*``) unless ``password`` meets the policy; else return."""
    if min_length is None:
        from core.config import get_settings

        min_length = get_settings().password_min_length
    if not isinstance(password, str):
        raise error("password.too_short", n=min_length)
    if "\x00" in password:
        raise error("valid.password_nul")
    folded = _fold(password)
    if not folded.strip():
        raise error("password.blank")
    if len(folded) < min_length:
        raise error("password.too_short", n=min_length)
    if len(password) > PASSWORD_MAX:
        raise error("password.too_long", n=PASSWORD_MAX)
    if _is_common(folded) or _is_common(folded.replace(" ", "")):
        raise error("password.common")
    if _is_repetitive_or_sequential(folded):
        raise error("password.repetitive")
    compact = folded.replace(" ", "")
    for context in (username, display_name, *(display_name or "").split()):
        c = _fold(context or "").replace(" ", "")
        if len(c) >= 3 and c in compact:
            raise error("password.contains_name")


def temporary_password(n_chars: int = 16) -> str:
    """A random one-time password (about 79 bits), in groups of four: ``abcd-efgh-jkmn-pqrs``."""
    raw = "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(n_chars))
    return "-".join(raw[i:i + 4] for i in range(0, n_chars, 4))
