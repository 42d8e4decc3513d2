"""Customer-harassment (カスハラ) incidents: staff report them, HR works them (status and actions
taken); the employer's record. Staff see their own reports, HR all of them (each view audited).
Counts beside HR trends are in :mod:`services.trends`; demo reports are seeded by
:mod:`demo.incidents`. Refusals are :class:`core.errors.Refusal`s; functions flush, the caller
commits. No streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from core import access, audit, validation
from core.access import Viewer
from core.clock import local_today
from core.errors import NotAllowed, NotFound, WellbeingError
from core.models import Attempt, Incident, IncidentStatus, Team, User, utcnow
from wellbeing.instruments import HARASSMENT_KINDS

INCIDENT_KINDS = tuple(HARASSMENT_KINDS)


def report_incident(session: Session, viewer: Viewer, *, occurred_on: date, kind: str,
                    description: str, attempt_id: int | None = None,
                    today: date | None = None) -> Incident:
    """Staff record a customer-harassment incident (the employer's record)."""
    if not access.can_report_incident(viewer):
        raise NotAllowed()
    if kind not in HARASSMENT_KINDS:
        raise WellbeingError("incidents.err_kind")
    description = validation.text(description, field="description",
                                  max_chars=validation.INCIDENT_TEXT_MAX, error=WellbeingError)
    if not description:
        raise WellbeingError("incidents.err_description")
    if occurred_on > (today or local_today()):
        raise WellbeingError("incidents.err_future")
    if attempt_id is not None:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or not access.can_attach_attempt(viewer, attempt):
            raise NotAllowed()
    row = Incident(reporter_id=viewer.id, team_id=viewer.team_id, occurred_on=occurred_on,
                   kind=kind, description=description, attempt_id=attempt_id)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class IncidentView:
    id: int
    reporter: str
    team: str | None
    occurred_on: date
    kind: str
    description: str
    status: str
    actions: str | None
    created_at: datetime


def list_incidents(session: Session, viewer: Viewer) -> list[IncidentView]:
    """Staff: their own reports. HR: all (each view audited). Others: none."""
    stmt = (select(Incident, User, Team).join(User, User.id == Incident.reporter_id)
            .outerjoin(Team, Team.id == Incident.team_id).where(access.incidents_filter(viewer))
            .order_by(Incident.occurred_on.desc(), Incident.id.desc()))
    out = []
    for inc, user, team in session.exec(stmt).all():
        if access.is_audited_incident_view(viewer, inc):
            audit.record_by(session, viewer, audit.Action.view_incident, "incident", inc.id)
        out.append(IncidentView(inc.id, user.display_name, team.name if team else None,
                                inc.occurred_on, inc.kind, inc.description, str(inc.status),
                                inc.actions, inc.created_at))
    session.flush()
    return out


def update_incident(session: Session, viewer: Viewer, incident_id: int, *,
                    status: str | None = None, actions: str | None = None,
                    now: datetime | None = None) -> Incident:
    """HR works an incident: status (reported → in_progress → closed) and actions taken."""
    if not access.can_work_incidents(viewer):
        raise NotAllowed()
    inc = session.get(Incident, incident_id)
    if inc is None:
        raise NotFound("incidents.err_not_found")
    if status is not None:
        inc.status = IncidentStatus(status)
    if actions is not None:
        inc.actions = validation.text(actions, field="actions",
                                      max_chars=validation.INCIDENT_ACTIONS_MAX,
                                      error=WellbeingError) or None
    inc.updated_at = now or utcnow()
    session.add(inc)
    audit.record_by(session, viewer, audit.Action.incident_changed, "incident", inc.id,
                    f"status {inc.status}")
    session.flush()
    return inc

