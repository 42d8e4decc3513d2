"""The audit log: logins, failed logins, lockouts, and every view of another person's data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, select

from core.models import AuditLog

if TYPE_CHECKING:
    from core.access import Viewer


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
        actor_name=actor_name,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )
    session.add(row)
    return row


def record_by(session: Session, viewer: Viewer, action: str, target_type: str | None,
              target_id: int | None = None, detail: str | None = None) -> AuditLog:
    """:func:`record` an action of ``viewer`` (the person asking) on one target."""
    return record(session, action=action, actor_id=viewer.id, actor_name=viewer.username,
                  target_type=target_type, target_id=target_id, detail=detail)


def recent(session: Session, *, limit: int = 200, action: str | None = None) -> list[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return list(session.exec(stmt).all())
