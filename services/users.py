"""User and team management: the data functions behind the admin page and the CLI.

Every change needs a viewer that ``core.access.can_manage_users`` allows: an admin from the page,
``core.access.SYSTEM`` from the CLI and the demo seeding. Refusals are :class:`UserError`
(invalid input), :class:`core.errors.NotFound` and :class:`core.errors.NotAllowed`. Functions
flush; the caller commits. No streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from core import audit, validation
from core.access import Viewer, can_manage_users
from core.auth import hash_password, issue_temporary_password
from core.errors import Invalid, NotAllowed, NotFound
from core.models import Role, Team, TrainerTeam, User, UserPublic
from core.passwords import check_password


class UserError(Invalid):
    """A refused change; ``key`` is an i18n key (``core/strings/admin.toml``), ``values`` its
    parameters."""


def _require_admin(viewer: Viewer) -> None:
    if not can_manage_users(viewer):
        raise NotAllowed()


def get_or_create_team(session: Session, name: str) -> Team:
    name = validation.name(name, field="team", max_chars=validation.TEAM_NAME_MAX, error=UserError)
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def list_teams(session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(Team.name)).all())


def list_users(session: Session) -> list[UserPublic]:
    """Every account (no hash). A row written before validation existed (an over-long name that
    SQLite kept) is shown cut to the column's length instead of failing the page."""
    users = session.exec(select(User).order_by(User.role, User.username)).all()
    out = []
    for u in users:
        data = {k: getattr(u, k) for k in UserPublic.model_fields}
        data["username"] = (data["username"] or "")[:validation.USERNAME_MAX]
        data["display_name"] = (data["display_name"] or "")[:validation.DISPLAY_NAME_MAX]
        out.append(UserPublic.model_validate(data))
    return out


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
    """Create an account (``viewer``: an admin, or ``access.SYSTEM`` for the CLI and demo).

    Every field passes :mod:`core.validation` (the username is folded with NFKC, so a look-alike
    of an existing name is "taken" or refused). The password policy (:mod:`core.passwords`)
    applies to what an admin types; SYSTEM (operators' commands that check it themselves, the
    demo, test fixtures) is trusted.
    """
    _require_admin(viewer)
    if not (username or "").strip():
        raise UserError("admin.err_username")
    username = validation.username(username, error=UserError)
    try:
        role = Role(role.strip() if isinstance(role, str) else role)
    except ValueError:
        raise UserError("admin.err_role", role=str(role)[:40]) from None
    display_name = validation.name(display_name, required=False, error=UserError) or username
    password = validation.password(password, error=UserError)
    if not viewer.is_system:
        check_password(password, username=username, display_name=display_name, error=UserError)
    if session.exec(select(User).where(User.username == username)).first() or any(
            validation.skeleton(u) == validation.skeleton(username)
            for u in session.exec(select(User.username)).all()):  # a look-alike is taken too
        raise UserError("admin.err_exists", username=username)
    team = get_or_create_team(session, team_name) if team_name and team_name.strip() else None
    user = User(
        username=username,
        display_name=display_name,
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
    require_password_change: bool | None = None,
) -> User:
    """Change an account. ``require_password_change``: the person must set a new password at
    their next login (audited)."""
    _require_admin(viewer)
    if display_name is not None:  # checked before anything changes
        display_name = validation.name(display_name, required=False, error=UserError)
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
    if display_name:
        user.display_name = display_name
    if require_password_change is not None and require_password_change != user.must_change_password:
        user.must_change_password = require_password_change
        changes.append(f"must_change_password={require_password_change}")
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


def reset_password(session: Session, user_id: int, new_password: str | None = None, *,
                   viewer: Viewer) -> str:
    """An admin's reset: a one-time temporary password, returned to be shown once.

    The person (or whoever uses it) must set their own password before anything opens, and is
    told at their next logins that an admin reset it (:mod:`core.auth`). ``new_password``: a
    temporary password chosen by the admin instead of a random one (it must meet the policy).
    The lock is cleared. Audited as ``password_reset``.
    """
    _require_admin(viewer)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    temporary = issue_temporary_password(session, user)
    if new_password is not None:
        new_password = validation.password(new_password, error=UserError)
        check_password(new_password, username=user.username, display_name=user.display_name,
                       error=UserError)
        user.password_hash = hash_password(new_password)
        temporary = new_password
    audit.record_by(session, viewer, audit.Action.password_reset, "user", user.id,
                    f"temporary password for {user.username}; change required at next login")
    session.flush()
    return temporary


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
    required = tuple(c for c in CSV_COLUMNS if c != "team")
    try:
        rows = list(validation.csv_rows(data, required=required, error=UserError))
    except UserError as e:  # the whole file: too big, undecodable, or a header without columns
        key = {"valid.csv_header": "admin.csv_header",
               "valid.csv_encoding": "admin.csv_encoding"}.get(e.key, e.key)
        report.errors.append((1, key, e.values))
        return report
    seen: set[str] = set()
    for row in rows:
        if row.error is not None:
            report.errors.append((row.line, *row.error))
            continue
        cells = row.cells
        username = validation.login_name(cells.get("username", "")) or cells.get("username", "")
        if username and username in seen:
            report.errors.append((row.line, "admin.err_exists", {"username": username}))
            continue
        try:
            with session.begin_nested():
                create_user(session, username=cells.get("username", ""),
                            display_name=cells.get("display_name", ""),
                            role=cells.get("role", ""), password=cells.get("password", ""),
                            team_name=cells.get("team") or None, viewer=viewer)
        except UserError as e:
            report.errors.append((row.line, e.key, e.values))
            continue
        except SQLAlchemyError:  # a value the database refused: this row only
            report.errors.append((row.line, "valid.csv_row_failed", {}))
            continue
        seen.add(username)
        report.created.append(username)
    return report
