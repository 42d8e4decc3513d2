"""The audit log: logins, logouts, failed logins, lockouts, and every view of another person's
data. Rows are added to the caller's session (flushed with it; the caller commits). Reading the
log is for those ``core.access.can_read_audit_log`` allows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from core.access import Viewer, can_read_audit_log
from core.clock import local_day_start
from core.errors import NotAllowed
from core.models import AuditLog
from core.validation import strip_controls


class Action:
    login = "login"
    login_failed = "login_failed"
    lockout = "lockout"
    logout = "logout"
    view_attempt = "view_attempt"
    view_flag = "view_flag"
    view_one_on_one = "view_one_on_one"
    view_incident = "view_incident"
    view_trends = "view_trends"
    export_csv = "export_csv"
    user_created = "user_created"
    user_changed = "user_changed"
    password_reset = "password_reset"
    override = "override"
    consent_changed = "consent_changed"
    one_on_one_changed = "one_on_one_changed"
    incident_changed = "incident_changed"
    data_exported = "data_exported"
    data_erased = "data_erased"
    data_corrected = "data_corrected"
    retention_sweep = "retention_sweep"
    login_throttled = "login_throttled"  # a summary: tries refused unchecked (core.throttle)
    password_changed = "password_changed"
    password_change_required = "password_change_required"
    view_refused = "view_refused"  # an address of something not the viewer's (or not there)


# Actions whose details speak of a person's wellbeing: the admin's audit view hides the detail.
WELLBEING_ACTIONS = frozenset({Action.view_flag, Action.view_one_on_one, Action.consent_changed,
                               Action.one_on_one_changed, Action.view_trends})


def record(
    session: Session,
    *,
    action: str,
    actor_id: int | None = None,
    actor_name: str = "",
    target_type: str | None = None,
    target_id: int | None = None,
    detail: str | None = None,
) -> AuditLog:
    """Add one audit row to ``session`` (committed with the caller's transaction)."""
    row = AuditLog(
        action=action,
        actor_id=actor_id,
        actor_name=strip_controls(actor_name or "")[:100],
        target_type=target_type,
        target_id=target_id,
        detail=strip_controls(detail)[:4000] if detail else detail,
    )
    session.add(row)
    return row


def record_by(session: Session, viewer: Viewer, action: str, target_type: str | None,
              target_id: int | None = None, detail: str | None = None) -> AuditLog:
    """:func:`record` an action of ``viewer`` (the person asking) on one target. The SYSTEM
    viewer is recorded as actor "system" without an id."""
    return record(session, action=action, actor_id=None if viewer.is_system else viewer.id,
                  actor_name=viewer.username, target_type=target_type, target_id=target_id,
                  detail=detail)


def recent(session: Session, viewer: Viewer, *, limit: int = 200,
           action: str | None = None) -> list[AuditLog]:
    """The newest rows of the log, for a viewer who may read it (:class:`NotAllowed` else)."""
    if not can_read_audit_log(viewer):
        raise NotAllowed()
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return list(session.exec(stmt).all())


def refused(session: Session, viewer: Viewer, target_type: str, target_id: int | None,
            why: str) -> AuditLog:
    """Record a refused open of ``target_type`` ``target_id`` by ``viewer`` (``why``: "not
    allowed" or "not found"; the person is shown the same message for both)."""
    return record_by(session, viewer, Action.view_refused, target_type, target_id, why)


def search(session: Session, viewer: Viewer, *, actor: str | None = None,
           action: str | None = None, date_from=None, date_to=None, page: int = 0,
           per_page: int = 50) -> tuple[list[AuditLog], int]:
    """One page of the log, newest first, filtered by actor name (substring), action and
    company calendar days (both ends included); returns ``(rows, total matching)``.

    For the admin's view: the detail of wellbeing actions (:data:`WELLBEING_ACTIONS`) is
    replaced by ``None`` (admins see that it happened, never what it said).
    """
    if not can_read_audit_log(viewer):
        raise NotAllowed()
    stmt = select(AuditLog)
    if actor:
        stmt = stmt.where(func.lower(AuditLog.actor_name).contains(actor.strip().lower(),
                                                                   autoescape=True))
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if date_from is not None:
        stmt = stmt.where(AuditLog.at >= local_day_start(date_from))
    if date_to is not None:
        stmt = stmt.where(AuditLog.at < local_day_start(date_to + timedelta(days=1)))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(session.exec(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                             .offset(max(page, 0) * per_page).limit(per_page)).all())
    out = []
    for r in rows:
        shown = AuditLog.model_validate(r.model_dump())
        if r.action in WELLBEING_ACTIONS:
            shown.detail = None
        out.append(shown)
    return out, int(total)


def actions() -> list[str]:
    """Every action name, sorted (for the admin page's filter)."""
    return sorted(v for k, v in vars(Action).items() if not k.startswith("_") and isinstance(v, str))
