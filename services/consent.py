"""Wellbeing consent: a person's own, given and withdrawn (rows are kept, with ``withdrawn_at``).

``ConsentKind.wellbeing``: nothing is collected without it. ``ConsentKind.share_flags``: standing
consent to share flags with HR (see ``access.flag_is_shared``). Whether consent is in force is
decided by :func:`core.access.has_consent`, who may change it by
:func:`core.access.can_give_consent`; every change is in the audit log. Refusals are
:class:`core.errors.Refusal`s; functions flush, the caller commits. No streamlit here.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from core import access, audit
from core.access import Viewer
from core.errors import NotAllowed, WellbeingError
from core.models import CheckIn, Consent, ConsentKind, utcnow


def consent_status(session: Session, viewer: Viewer) -> dict[ConsentKind, bool]:
    """The viewer's own ``{kind: in force now}`` for both consent kinds."""
    return {kind: access.has_consent(session, viewer.id, kind) for kind in ConsentKind}


def give_consent(session: Session, viewer: Viewer, kind: ConsentKind | str,
                 now: datetime | None = None) -> Consent:
    """Record the viewer's own consent (a new row; an existing one in force is returned)."""
    kind = ConsentKind(kind)
    if not access.can_give_consent(viewer):
        raise NotAllowed()
    if kind == ConsentKind.share_flags and not access.has_consent(session, viewer.id,
                                                                  ConsentKind.wellbeing):
        raise WellbeingError("consent.err_wellbeing_first")
    current = _open_consents(session, viewer.id, kind)
    if current:
        return current[0]
    row = Consent(user_id=viewer.id, kind=kind, granted_at=now or utcnow())
    session.add(row)
    session.flush()
    audit.record_by(session, viewer, audit.Action.consent_changed, "consent", row.id,
                    f"grant {kind.value}")
    return row


def withdraw_consent(session: Session, viewer: Viewer, kind: ConsentKind | str,
                     now: datetime | None = None) -> int:
    """Withdraw the viewer's consent of ``kind`` (rows are kept with ``withdrawn_at``).

    Withdrawing ``wellbeing`` also withdraws ``share_flags``: nothing is collected any more.
    What happens to the past (the rule written in the consent text, ``consent.withdraw_note``):
    past answers stay, seen by the person only; HR aggregates count them no longer, except that
    weeks already closed keep the totals HR saw (frozen first, ``trends.freeze_closed_weeks``);
    every flag leaves HR's queue (``one_on_one.withdraw_from_queue``); erasure is on request
    (``services.data_rights``). Returns the number of rows closed.
    """
    kind = ConsentKind(kind)
    if not access.can_give_consent(viewer):
        raise NotAllowed()
    now = now or utcnow()
    kinds = [kind] + ([ConsentKind.share_flags] if kind == ConsentKind.wellbeing else [])
    if kind == ConsentKind.wellbeing and _open_consents(session, viewer.id, kind):
        from services.one_on_one import withdraw_from_queue
        from services.trends import freeze_closed_weeks

        weeks = session.exec(select(CheckIn.week_start).where(CheckIn.user_id == viewer.id)).all()
        freeze_closed_weeks(session, weeks, now=now)
        withdraw_from_queue(session, viewer, now=now)
    closed = 0
    for k in kinds:
        for row in _open_consents(session, viewer.id, k):
            row.withdrawn_at = now
            session.add(row)
            closed += 1
            audit.record_by(session, viewer, audit.Action.consent_changed, "consent", row.id,
                            f"withdraw {k.value}")
    session.flush()
    return closed


def _open_consents(session: Session, user_id: int, kind: ConsentKind) -> list[Consent]:
    stmt = select(Consent).where(Consent.user_id == user_id, Consent.kind == kind,
                                 Consent.withdrawn_at.is_(None))
    return list(session.exec(stmt).all())
