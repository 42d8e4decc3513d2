"""User and team management: the data functions behind the admin page and the CLI.

Every change needs a viewer that ``core.access.can_manage_users`` allows: an admin from the page,
``core.access.SYSTEM`` from the CLI and the demo seeding. Refusals are :class:`UserError`
(invalid input), :class:`core.errors.NotFound` and :class:`core.errors.NotAllowed`. Functions
flush; the caller commits. No streamlit here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlmodel import Session, select

from core import audit
from core.access import Viewer, can_manage_users
from core.auth import MIN_PASSWORD_LENGTH, hash_password
from core.errors import Invalid, NotAllowed, NotFound
from core.models import Role, Team, TrainerTeam, User, UserPublic


class UserError(Invalid):
    """A refused change; ``key`` is an i18n key (``core/strings/admin.toml``), ``values`` its
    parameters."""


def _require_admin(viewer: Viewer) -> None:
    if not can_manage_users(viewer):
        raise NotAllowed()


def get_or_create_team(session: Session, name: str) -> Team:
    name = name.strip()
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def list_teams(session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(Team.name)).all())


def list_users(session: Session) -> list[UserPublic]:
    users = session.exec(select(User).order_by(User.role, User.username)).all()
    return [UserPublic.model_validate(u, from_attributes=True) for u in users]


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role | str,
    password: str,
    team_name: str | None = None,
    viewer: Viewer,
) -> User:
    """Create an account (``viewer``: an admin, or ``access.SYSTEM`` for the CLI and demo)."""
    _require_admin(viewer)
    username = username.strip()
    if not username:
        raise UserError("admin.err_username")
    try:
        role = Role(role.strip() if isinstance(role, str) else role)
    except ValueError:
        raise UserError("admin.err_role", role=role) from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("admin.err_password", n=MIN_PASSWORD_LENGTH)
    if session.exec(select(User).where(User.username == username)).first():
        raise UserError("admin.err_exists", username=username)
    team = get_or_create_team(session, team_name) if team_name and team_name.strip() else None
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        team_id=team.id if team else None,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    if role == Role.trainer and team is not None:
        session.add(TrainerTeam(trainer_id=user.id, team_id=team.id))
    audit.record_by(session, viewer, audit.Action.user_created, "user", user.id,
                    f"{username} ({role.value})")
    session.flush()
    return user


def update_user(
    session: Session,
    user_id: int,
    *,
    viewer: Viewer,
    role: Role | str | None = None,
    team_name: str | None = None,
    active: bool | None = None,
    display_name: str | None = None,
    trainer_team_names: list[str] | None = None,
) -> User:
    _require_admin(viewer)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    changes = []
    if role is not None and Role(role) != user.role:
        if user.id == viewer.id and Role(role) != Role.admin:
            raise UserError("admin.err_self")
        user.role = Role(role)
        changes.append(f"role={user.role}")
    if team_name is not None:
        team = get_or_create_team(session, team_name) if team_name.strip() else None
        user.team_id = team.id if team else None
        changes.append(f"team={team_name}")
    if active is not None and active != user.active:
        if user.id == viewer.id and not active:
            raise UserError("admin.err_self")
        user.active = active
        changes.append(f"active={active}")
    if display_name is not None and display_name.strip():
        user.display_name = display_name.strip()
    if trainer_team_names is not None:
        for link in session.exec(select(TrainerTeam).where(TrainerTeam.trainer_id == user.id)):
            session.delete(link)
        session.flush()
        if Role(user.role) == Role.trainer:
            for name in trainer_team_names:
                team = get_or_create_team(session, name)
                session.add(TrainerTeam(trainer_id=user.id, team_id=team.id))
        changes.append(f"coaches={','.join(trainer_team_names)}")
    session.add(user)
    audit.record_by(session, viewer, audit.Action.user_changed, "user", user.id, "; ".join(changes))
    session.flush()
    return user


def reset_password(session: Session, user_id: int, new_password: str, *, viewer: Viewer) -> None:
    _require_admin(viewer)
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise UserError("admin.err_password", n=MIN_PASSWORD_LENGTH)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    audit.record_by(session, viewer, audit.Action.password_reset, "user", user.id)
    session.flush()


def trainer_team_names(session: Session, user_id: int) -> list[str]:
    stmt = (select(Team.name).join(TrainerTeam, TrainerTeam.team_id == Team.id)
            .where(TrainerTeam.trainer_id == user_id).order_by(Team.name))
    return list(session.exec(stmt).all())


# --- CSV import ----------------------------------------------------------------------------

CSV_COLUMNS = ("username", "display_name", "role", "team", "password")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, dict]] = field(default_factory=list)  # (line, i18n key, values)


def import_users_csv(session: Session, data: bytes | str, *, viewer: Viewer) -> ImportReport:
    """Create users from CSV (header: username,display_name,role,team,password).

    Each row stands alone: a bad row is reported with its line number and skipped, the good rows
    are kept. Rows are applied in savepoints so one failure does not roll back the others.
    """
    _require_admin(viewer)
    report = ImportReport()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp932")  # Excel in Japan saves Shift_JIS
            except UnicodeDecodeError:
                report.errors.append((1, "admin.csv_encoding", {}))
                return report
    else:
        text = data
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header and c != "team"]
    if missing:
        report.errors.append((1, "admin.csv_header", {"columns": ", ".join(missing)}))
        return report
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        username = row.get("username", "")
        if username in seen:
            report.errors.append((line, "admin.err_exists", {"username": username}))
            continue
        try:
            with session.begin_nested():
                create_user(session, username=username, display_name=row.get("display_name", ""),
                            role=row.get("role", ""), password=row.get("password", ""),
                            team_name=row.get("team") or None, viewer=viewer)
        except UserError as e:
            report.errors.append((line, e.key, e.values))
            continue
        seen.add(username)
        report.created.append(username)
    return report
