"""Who may see which page and which rows: the one place that decides.

Every page asks ``may_open``; every query that returns people's data filters with one of the
``*_filter`` functions or checks a row with a ``can_*`` function. Nothing else decides access.

The rules (issue "Foundation", item 6):
- staff see only their own attempts, reviews, check-ins and incident reports;
- trainers see attempts of the staff of their teams and never wellbeing data;
- HR see wellbeing aggregates and an individual's flag only with that person's consent, never
  recordings or transcripts;
- admins manage users, teams and settings and see no wellbeing answers.

Operators' commands (``core.cli``) and the demo seeding act as :data:`SYSTEM`, an explicit
viewer that is no person: it may manage users (audited as "system") and nothing else that an
admin could not. No function here or in ``services`` takes ``viewer=None`` to skip a check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, false, true
from sqlmodel import Session, select

from core.clock import as_utc
from core.models import (
    Attempt,
    AttemptKind,
    CheckIn,
    Consent,
    ConsentKind,
    Flag,
    Incident,
    Role,
    TrainerTeam,
    User,
)


@dataclass(frozen=True)
class Viewer:
    """The person asking, as access rules need them (no password hash, no ORM object)."""

    id: int
    role: Role
    team_id: int | None = None
    trainer_team_ids: frozenset[int] = field(default_factory=frozenset)
    username: str = ""
    display_name: str = ""
    is_system: bool = False  # True only for SYSTEM: operators' commands and demo seeding

    @property
    def coached_team_ids(self) -> frozenset[int]:
        """The teams whose staff a trainer coaches: their linked teams and their own team."""
        if self.role != Role.trainer:
            return frozenset()
        own = {self.team_id} if self.team_id is not None else set()
        return self.trainer_team_ids | own


SYSTEM = Viewer(id=0, role=Role.admin, username="system", display_name="system", is_system=True)
"""The viewer of operators' commands (``core.cli``) and demo seeding: an admin that is no person
(id 0 is never a user's id; the audit log records it as actor "system" without an id)."""


def viewer_for(session: Session, user: User) -> Viewer:
    teams = frozenset(
        session.exec(select(TrainerTeam.team_id).where(TrainerTeam.trainer_id == user.id)).all()
    )
    return Viewer(
        id=user.id,
        role=Role(user.role),
        team_id=user.team_id,
        trainer_team_ids=teams,
        username=user.username,
        display_name=user.display_name,
    )


# --- pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    key: str  # also the URL path and the i18n key "page.<key>"
    path: str  # the script, relative to the repository root
    icon: str
    roles: frozenset[Role]


def _page(key: str, icon: str, *roles: Role) -> PageSpec:
    return PageSpec(key=key, path=f"app_pages/{key}.py", icon=icon, roles=frozenset(roles))


# In menu order. The first page a role may open is its home page.
PAGES: tuple[PageSpec, ...] = (
    _page("practice", ":material/record_voice_over:", Role.staff),
    _page("calibrate", ":material/tune:", Role.staff),
    _page("progress", ":material/trending_up:", Role.staff),
    _page("checkin", ":material/favorite:", Role.staff),
    _page("review", ":material/rate_review:", Role.trainer),
    _page("team", ":material/groups:", Role.trainer),
    _page("admin", ":material/manage_accounts:", Role.admin),
    _page("agreement", ":material/balance:", Role.trainer, Role.admin),
    _page("trends", ":material/monitoring:", Role.hr),
    _page("one_on_one", ":material/forum:", Role.hr),
    _page("incidents", ":material/report:", Role.staff, Role.hr),
    _page("data_rights", ":material/delete_forever:", Role.admin),
    _page("my_data", ":material/folder_shared:", Role.staff, Role.trainer, Role.hr, Role.admin),
)
PAGES_BY_KEY = {p.key: p for p in PAGES}


def pages_for(role: Role | str) -> list[PageSpec]:
    return [p for p in PAGES if Role(role) in p.roles]


def may_open(viewer: Viewer | None, page_key: str) -> bool:
    spec = PAGES_BY_KEY.get(page_key)
    return viewer is not None and spec is not None and viewer.role in spec.roles


# --- practice attempts, reviews and comments ------------------------------------------------


def attempts_filter(viewer: Viewer):
    """A WHERE clause over ``Attempt`` (joined with ``User`` as the attempt's owner).

    Use as ``select(Attempt).join(User, User.id == Attempt.user_id).where(attempts_filter(v))``.
    """
    if viewer.role == Role.staff:
        return Attempt.user_id == viewer.id
    if viewer.role == Role.trainer:
        teams = viewer.coached_team_ids
        if not teams:
            return false()
        return and_(User.team_id.in_(teams), User.role == Role.staff)
    return false()  # HR and admins never see recordings or transcripts


def can_view_attempt(viewer: Viewer, attempt: Attempt, owner: User) -> bool:
    """May ``viewer`` open this attempt (audio, transcript, score)? ``owner`` made it."""
    if attempt.user_id != owner.id:
        raise ValueError("owner is not the attempt's user")
    if viewer.role == Role.staff:
        return attempt.user_id == viewer.id
    if viewer.role == Role.trainer:  # practice answers only: a calibration stays the person's
        return (attempt.kind == AttemptKind.practice and owner.role == Role.staff
                and owner.team_id in viewer.coached_team_ids)
    return False


def can_practise(viewer: Viewer) -> bool:
    """Record practice answers and calibrations: staff (the people who take the calls)."""
    return viewer.role == Role.staff


def can_review_attempt(viewer: Viewer, attempt: Attempt, owner: User) -> bool:
    """Override scores and comment: trainers of the owner's team only."""
    return viewer.role == Role.trainer and can_view_attempt(viewer, attempt, owner)


def can_see_team_progress(viewer: Viewer, team_id: int) -> bool:
    return viewer.role == Role.trainer and team_id in viewer.coached_team_ids


def can_export_team_progress(viewer: Viewer) -> bool:
    """Download the team-progress tables as CSV: a trainer who coaches at least one team."""
    return viewer.role == Role.trainer and bool(viewer.coached_team_ids)


def can_see_agreement(viewer: Viewer) -> bool:
    """How often trainers override the machine, per scenario (no individual data)."""
    return viewer.role in (Role.trainer, Role.admin)


# --- wellbeing -----------------------------------------------------------------------------


def checkins_filter(viewer: Viewer):
    """Individual check-in answers: only the person's own. Nobody else, HR included."""
    if viewer.role == Role.staff:
        return CheckIn.user_id == viewer.id
    return false()


def can_submit_checkin(viewer: Viewer) -> bool:
    return viewer.role == Role.staff


def can_see_checkin(viewer: Viewer, checkin: CheckIn) -> bool:
    """A stored check-in (its answers and result): its owner, a staff member, only."""
    return viewer.role == Role.staff and checkin.user_id == viewer.id


def can_give_consent(viewer: Viewer) -> bool:
    """Give or withdraw wellbeing consent (one's own): staff, the people who check in."""
    return viewer.role == Role.staff


def can_see_wellbeing_aggregates(viewer: Viewer) -> bool:
    return viewer.role == Role.hr


def has_consent(session: Session, user_id: int, kind: ConsentKind, at: datetime | None = None) -> bool:
    """Was consent of ``kind`` in force for ``user_id`` at ``at`` (default: now)?"""
    stmt = select(Consent).where(Consent.user_id == user_id, Consent.kind == kind)
    for consent in session.exec(stmt).all():
        granted = as_utc(consent.granted_at)
        withdrawn = as_utc(consent.withdrawn_at) if consent.withdrawn_at else None
        if at is None:
            if withdrawn is None:
                return True
        elif granted <= as_utc(at) and (withdrawn is None or withdrawn > as_utc(at)):
            return True
    return False


def flag_is_shared(session: Session, flag: Flag) -> bool:
    """A flag reaches HR when the person shared this one flag, or when standing consent to
    share flags is in force now and was in force when the flag was raised. Withdrawing
    standing consent hides the flags it covered; a flag shared by itself stays shared."""
    if flag.shared_at is not None:
        return True
    return has_consent(session, flag.user_id, ConsentKind.share_flags) and has_consent(
        session, flag.user_id, ConsentKind.share_flags, at=flag.created_at
    )


def can_share_flag(viewer: Viewer, flag: Flag) -> bool:
    """Share a flag with HR, or ask for a one-on-one about it: only its owner, a staff member."""
    return viewer.role == Role.staff and flag.user_id == viewer.id


def can_see_flag(session: Session, viewer: Viewer, flag: Flag) -> bool:
    if viewer.role == Role.staff:
        return flag.user_id == viewer.id
    if viewer.role == Role.hr:
        return flag_is_shared(session, flag)
    return False


def visible_flags(session: Session, viewer: Viewer) -> list[Flag]:
    """The flags ``viewer`` may see, newest first."""
    if viewer.role == Role.staff:
        stmt = select(Flag).where(Flag.user_id == viewer.id)
    elif viewer.role == Role.hr:
        stmt = select(Flag)
    else:
        return []
    flags = session.exec(stmt.order_by(Flag.created_at.desc())).all()
    return [f for f in flags if can_see_flag(session, viewer, f)]


def can_request_one_on_one(viewer: Viewer, flag: Flag | None = None) -> bool:
    """Ask for a one-on-one (optionally about one of one's own flags): staff only."""
    if viewer.role != Role.staff:
        return False
    return flag is None or can_share_flag(viewer, flag)


def can_work_one_on_ones(viewer: Viewer) -> bool:
    return viewer.role == Role.hr


def may_hold_one_on_ones(role: Role | str) -> bool:
    """Who may be assigned a one-on-one (sees the shared level and reasons): HR."""
    return Role(role) == Role.hr


# --- harassment incidents ------------------------------------------------------------------


def incidents_filter(viewer: Viewer):
    if viewer.role == Role.staff:
        return Incident.reporter_id == viewer.id
    if viewer.role == Role.hr:
        return true()
    return false()


def can_report_incident(viewer: Viewer) -> bool:
    """Report a customer-harassment incident: staff (who take the calls) only."""
    return viewer.role == Role.staff


def is_own_attempt(viewer: Viewer, attempt: Attempt) -> bool:
    """The viewer made this attempt (marking its feedback seen, linking it to a report)."""
    return not viewer.is_system and attempt.user_id == viewer.id


def can_attach_attempt(viewer: Viewer, attempt: Attempt) -> bool:
    """Link a practice attempt to one's incident report: only one's own attempt."""
    return can_report_incident(viewer) and is_own_attempt(viewer, attempt)


def is_audited_incident_view(viewer: Viewer, incident: Incident) -> bool:
    """Showing a report to anyone but its reporter (HR) is a view of another person's data."""
    return incident.reporter_id != viewer.id


def can_work_incidents(viewer: Viewer) -> bool:
    return viewer.role == Role.hr


# --- administration ------------------------------------------------------------------------


def can_manage_users(viewer: Viewer) -> bool:
    """Create, change and import users: admins, and the SYSTEM viewer (CLI, demo seeding)."""
    return viewer.is_system or viewer.role == Role.admin


def can_read_audit_log(viewer: Viewer) -> bool:
    """Read the audit log (``core.audit.recent`` asks): admins, people only."""
    return viewer.role == Role.admin and not viewer.is_system


# --- data rights (APPI): export, correction, erasure ----------------------------------------


def _is_system(viewer: Viewer) -> bool:
    return bool(getattr(viewer, "is_system", False))


def can_export_own_data(viewer: Viewer, user_id: int) -> bool:
    """Download everything the product holds about a person: that person only (any role), and
    the operators' command (SYSTEM) for a request received on paper."""
    return _is_system(viewer) or viewer.id == user_id


def can_correct_own_profile(viewer: Viewer, user_id: int) -> bool:
    """Correct one's own display name and language: the person themself."""
    return not _is_system(viewer) and viewer.id == user_id


def can_correct_display_name(viewer: Viewer, user_id: int) -> bool:
    """Correct a display name: the person themself, an admin, or SYSTEM."""
    return _is_system(viewer) or viewer.id == user_id or viewer.role == Role.admin


def can_erase_user(viewer: Viewer, user_id: int) -> bool:
    """Erase a person's data on their request: admins (never their own account) and SYSTEM."""
    if _is_system(viewer):
        return True
    return viewer.role == Role.admin and viewer.id != user_id


def can_run_retention(viewer: Viewer) -> bool:
    """Run the retention sweep by hand (it also runs as a periodic job): admins and SYSTEM."""
    return _is_system(viewer) or viewer.role == Role.admin
