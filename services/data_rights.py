"""Data rights under Japan's APPI: a person's data exported, corrected and erased, and the
retention rules that remove what is no longer needed. No streamlit here.

Which rows are a person's is found from the schema, not from a hand-kept list of tables:
every foreign key to ``user.id`` (``SQLModel.metadata``) leads to the person's rows, and every
foreign key to one of those rows (a review of their attempt) to more of them. ``USER_LINKS``
and ``CHILD_LINKS`` say, for each such key, what the archive calls those rows, which columns
never leave (secrets, HR's notes) and what erasure does (delete the rows, clear the key, or keep
the row de-identified). A key that is in neither list is still handled (exported without
secret-looking columns, erased as its ``ondelete`` says) and a test fails until it is listed.

Decisions (README, "Your data (APPI)"):

* **Export** (``export_user``): a zip of JSON, one CSV per kind, the audio files and a
  README.txt (Japanese, English below). One's own data only (``access.can_export_own_data``);
  HR's one-on-one notes are not in it.
* **Erasure** (``erase_user``, admins: ``access.can_erase_user``): the account and every row
  that is the person's (recordings and transcripts, check-in answers, free text, flags,
  one-on-ones, consents, incidents reported, reviews and comments on their attempts and those
  they wrote, login sessions) go from the database, and their recordings folder from storage.
  What stays: the audit rows (the person's name replaced by ``erased#<tombstone id>``), one
  tombstone (``ErasureRecord``: account number, date, by whom, counts; no name), and the HR
  totals of closed weeks, frozen first as sums (``TrendRollup``) so a closed week's numbers
  never change. Incident counts beside the trends are recounted (the reports are gone).
* **Consent withdrawal** (``services.consent.withdraw_consent``): past answers stay for the
  person only and leave HR aggregates (closed weeks keep their frozen totals); flags leave HR's
  queue; erasure is on request.
* **Retention** (``retention_sweep``, a periodic job and ``core.cli retention``): settings
  ``retention_*_days`` (0 = no limit); what was removed is logged and audited.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import zipfile
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from core import access, audit, storage
from core.access import Viewer
from core.clock import as_utc, format_local, local_today
from core.config import get_settings
from core.csvsafe import write_csv
from core.errors import Invalid, NotAllowed, NotFound
from core.i18n import t
from core.models import (
    Attempt,
    AttemptKind,
    AuditLog,
    CheckIn,
    ErasureRecord,
    Flag,
    OneOnOne,
    OneOnOneStatus,
    Team,
    User,
    utcnow,
)

log = logging.getLogger(__name__)

FORMAT = "complaint-dojo-export/1"
LANGUAGES = ("ja", "en")
MAX_DISPLAY_NAME = 100
ORPHAN_GRACE = timedelta(days=1)  # a file is written before its row: younger files are left


class DataRightsError(Invalid):
    """A refused data-rights request; ``key`` is in ``core/strings/data_rights.toml``."""


# --- which rows are a person's ------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """How the rows behind one foreign key are exported and erased.

    ``kind``: the archive's name for those rows (None: not exported, they are someone else's);
    ``erase``: "delete" the rows, "null" clear the key (the row is someone else's), or "scrub"
    (keep the row, clear the key and replace the person's name); ``exclude``: columns that never
    leave; ``why``: one line for the reader.
    """

    table: str
    column: str
    kind: str | None
    erase: str
    exclude: tuple[str, ...] = ()
    why: str = ""


# Foreign keys to user.id.
USER_LINKS: tuple[Link, ...] = (
    Link("attempt", "user_id", "attempts", "delete", why="recordings, transcripts, results"),
    Link("trainerteam", "trainer_id", "coached_teams", "delete", why="teams a trainer coaches"),
    Link("review", "trainer_id", "reviews_written", "delete", why="judgements a trainer wrote"),
    Link("comment", "author_id", "comments_written", "delete", why="comments the person wrote"),
    Link("consent", "user_id", "consents", "delete", why="consents and their history"),
    Link("checkin", "user_id", "checkins", "delete", why="answers, free text (要配慮個人情報)"),
    Link("flag", "user_id", "flags", "delete", why="levels and reasons of check-ins"),
    Link("oneonone", "user_id", "one_on_ones", "delete", exclude=("notes",),
         why="the person's one-on-ones; HR's notes stay with HR"),
    Link("oneonone", "assignee_id", None, "null", why="an HR member's assignments: others' data"),
    Link("incident", "reporter_id", "incidents", "delete", why="harassment reports"),
    Link("auditlog", "actor_id", "audit_own_actions", "scrub",
         why="the audit trail stays, de-identified"),
    Link("erasurerecord", "erased_by_id", None, "scrub", why="tombstones an admin wrote"),
    Link("usersession", "user_id", "login_sessions", "delete",
         exclude=("token_hash", "ticket_hash", "ticket_expires_at", "fingerprint"),
         why="logins (secrets never leave)"),
)

# Foreign keys to rows that are the person's (through USER_LINKS): more of their data.
CHILD_LINKS: tuple[Link, ...] = (
    Link("review", "attempt_id", "reviews", "delete", why="trainers' reviews of their attempts"),
    Link("comment", "attempt_id", "comments", "delete", why="comments on their attempts"),
    Link("flag", "checkin_id", None, "delete", why="the same rows as flag.user_id"),
    Link("oneonone", "flag_id", None, "null", why="the same rows as oneonone.user_id"),
    Link("incident", "attempt_id", None, "null", why="only their own reports link an attempt"),
)

_SECRET_WORDS = ("_hash", "token", "secret", "ticket", "fingerprint")  # columns never exported
_PROFILE_EXCLUDE = ("password_hash",)


def _tables() -> dict[str, sa.Table]:
    import core.models  # noqa: F401  (every table registered)

    return dict(SQLModel.metadata.tables)


def _fks_to(table_names: set[str]) -> list[tuple[str, str, str, str | None]]:
    """``(table, column, referenced table, ondelete)`` of every single-column foreign key to
    the primary key of one of ``table_names``."""
    out = []
    for table in _tables().values():
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target in table_names and fk.column.primary_key:
                out.append((table.name, fk.parent.name, target, fk.ondelete))
    return sorted(set(out))


def _default_link(table: str, column: str, ondelete: str | None) -> Link:
    erase = "null" if (ondelete or "").upper() == "SET NULL" else "delete"
    return Link(table, column, table, erase, why="not classified yet")


def user_links() -> list[Link]:
    """Every foreign key to ``user.id`` with its handling (unlisted ones get a safe default)."""
    known = {(lk.table, lk.column): lk for lk in USER_LINKS}
    return [known.get((tb, col)) or _default_link(tb, col, ondelete)
            for tb, col, _, ondelete in _fks_to({"user"})]


def _owned_tables(links: list[Link]) -> set[str]:
    tables = _tables()
    return {lk.table for lk in links if lk.erase == "delete"
            and [c.name for c in tables[lk.table].primary_key.columns] == ["id"]}


def child_links() -> list[tuple[Link, str]]:
    """``(link, parent table)`` for every foreign key to a row that is a person's."""
    known = {(lk.table, lk.column): lk for lk in CHILD_LINKS}
    owned = _owned_tables(user_links())
    return [(known.get((tb, col)) or _default_link(tb, col, ondelete), parent)
            for tb, col, parent, ondelete in _fks_to(owned) if (tb, col) not in
            {(lk.table, lk.column) for lk in USER_LINKS}]


def unclassified_links() -> list[str]:
    """``table.column`` of foreign keys leading to a person that neither list names (a test
    fails on any: decide what export and erasure do with them)."""
    known = {(lk.table, lk.column) for lk in (*USER_LINKS, *CHILD_LINKS)}
    found = [(tb, col) for tb, col, _, _ in _fks_to({"user"})]
    found += [(lk.table, lk.column) for lk, _ in child_links()]
    return sorted(f"{tb}.{col}" for tb, col in found if (tb, col) not in known)


# --- reading a person's rows --------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _exportable(table: sa.Table, link: Link) -> list[sa.Column]:
    return [c for c in table.columns if c.name not in link.exclude
            and not any(w in c.name.lower() for w in _SECRET_WORDS)]


def _rows(session: Session, table: sa.Table, where, columns=None) -> list[dict[str, Any]]:
    cols = columns if columns is not None else list(table.columns)
    pk = list(table.primary_key.columns)
    stmt = sa.select(*cols).where(where).order_by(*pk)
    return [{k: _plain(v) for k, v in row._mapping.items()}
            for row in session.connection().execute(stmt)]


def _owned_ids(session: Session, user_id: int) -> dict[str, set[int]]:
    """``{table: ids}`` of the person's rows in tables others may refer to."""
    tables = _tables()
    links = user_links()
    out: dict[str, set[int]] = defaultdict(set)
    for name in _owned_tables(links):
        table = tables[name]
        cond = sa.or_(*[table.c[lk.column] == user_id for lk in links
                        if lk.table == name and lk.erase == "delete"])
        out[name] |= set(session.connection().execute(sa.select(table.c.id).where(cond))
                         .scalars())
    return out


def _collect(session: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every exported kind of the person's rows: ``{kind: [row dict]}`` (attempts split into
    practice "attempts" and "calibration")."""
    tables = _tables()
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lk in user_links():
        if lk.kind is None:
            continue
        table = tables[lk.table]
        records[lk.kind] += _rows(session, table, table.c[lk.column] == user_id,
                                  _exportable(table, lk))
    owned = _owned_ids(session, user_id)
    for lk, parent in child_links():
        if lk.kind is None or not owned.get(parent):
            continue
        table = tables[lk.table]
        records[lk.kind] += _rows(session, table, table.c[lk.column].in_(sorted(owned[parent])),
                                  _exportable(table, lk))
    attempts = records.pop("attempts", [])
    records["attempts"] = [a for a in attempts if a.get("kind") != AttemptKind.calibration]
    records["calibration"] = [a for a in attempts if a.get("kind") == AttemptKind.calibration]
    return {k: v for k, v in records.items()}


def _profile(session: Session, user: User) -> dict[str, Any]:
    table = _tables()["user"]
    cols = [c for c in table.columns if c.name not in _PROFILE_EXCLUDE
            and not any(w in c.name.lower() for w in _SECRET_WORDS)]
    row = _rows(session, table, table.c.id == user.id, cols)[0]
    team = session.get(Team, user.team_id) if user.team_id else None
    row["team"] = team.name if team else None
    return row


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def find_user(session: Session, username: str) -> User:
    """The account with this username (operators' commands name people by username)."""
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise DataRightsError("data_rights.err_no_user", username=username)
    return user


def profile_fields(session: Session, viewer: Viewer, user_id: int) -> dict[str, str]:
    """What the correction forms show: username, display name, language."""
    if not (access.can_correct_display_name(viewer, user_id)
            or access.can_export_own_data(viewer, user_id)):
        raise NotAllowed()
    user = _user(session, user_id)
    return {"username": user.username, "display_name": user.display_name,
            "language": user.language}


def people(session: Session, viewer: Viewer) -> list[dict[str, Any]]:
    """The accounts an admin may erase (everyone but themself), by username."""
    if not access.can_erase_user(viewer, -1):  # may erase someone at all
        raise NotAllowed()
    users = session.exec(select(User).order_by(User.username)).all()
    return [{"id": u.id, "username": u.username, "display_name": u.display_name,
             "role": str(u.role)} for u in users if access.can_erase_user(viewer, u.id)]


def data_summary(session: Session, viewer: Viewer, user_id: int) -> dict[str, int]:
    """``{kind: number of records}`` the product holds about the person (the My data page)."""
    if not access.can_export_own_data(viewer, user_id):
        raise NotAllowed()
    _user(session, user_id)
    counts = {k: len(v) for k, v in _collect(session, user_id).items()}
    counts["recordings"] = len(_recording_files(session, user_id))
    return counts


# --- export ------------------------------------------------------------------------------------


def _recording_files(session: Session, user_id: int) -> list[tuple[int, str]]:
    """``(attempt id, relative path)`` of the person's recordings whose file is on disk."""
    stmt = select(Attempt.id, Attempt.audio_path).where(Attempt.user_id == user_id,
                                                        Attempt.audio_path != "")
    out = []
    for attempt_id, rel in session.exec(stmt.order_by(Attempt.id)).all():
        try:
            if storage.recording_path(rel).is_file():
                out.append((attempt_id, rel))
        except ValueError:
            continue
    return out


def _csv(rows: list[dict[str, Any]]) -> bytes:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    cells = [{k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
              for k, v in row.items()} for row in rows]
    return write_csv(cells, columns or ["id"])  # core.csvsafe: BOM for Excel, no formula cells


def kind_label(kind: str, lang: str = "ja") -> str:
    """What a kind of record is called on pages and in the archive's README."""
    try:
        return t(f"data_rights.kind_{kind}", lang)
    except KeyError:
        return kind


def _readme(profile: dict[str, Any], counts: dict[str, int], exported_at: datetime) -> str:
    s = get_settings()
    lines = []
    for lang in LANGUAGES:
        lines += [t("data_rights.readme_title", lang), "=" * 40, "",
                  t("data_rights.readme_intro", lang, username=profile["username"],
                    at=format_local(exported_at)), "",
                  t("data_rights.readme_files", lang), ""]
        for kind, n in counts.items():
            lines.append(f"  - {kind}: {kind_label(kind, lang)} ({n})")
        lines += ["", t("data_rights.readme_formats", lang), "",
                  t("data_rights.readme_not_included", lang), "",
                  t("data_rights.readme_retention", lang, recordings=s.retention_recording_days,
                    checkins=s.retention_checkin_days, free_text=s.retention_free_text_days,
                    audit=s.retention_audit_days), "",
                  t("data_rights.readme_rights", lang), "", ""]
    return "\n".join(lines).rstrip() + "\n"


def export_user(session: Session, viewer: Viewer, user_id: int) -> bytes:
    """A zip of everything the product holds about ``user_id``: ``data.json`` (profile and every
    kind of record), ``csv/<kind>.csv``, ``recordings/<attempt id>.<ext>`` and ``README.txt``
    (Japanese, English below). Only the person themself (or SYSTEM for a paper request).
    Audited; flushes."""
    if not access.can_export_own_data(viewer, user_id):
        raise NotAllowed()
    user = _user(session, user_id)
    now = utcnow()
    records = _collect(session, user_id)
    files = []
    for attempt_id, rel in _recording_files(session, user_id):
        suffix = "." + rel.rsplit(".", 1)[-1] if "." in rel.rsplit("/", 1)[-1] else ".bin"
        files.append({"attempt_id": attempt_id, "file": f"recordings/{attempt_id}{suffix}",
                      "stored_as": rel})
    records["recordings"] = [{"attempt_id": f["attempt_id"], "file": f["file"]} for f in files]
    profile = _profile(session, user)
    counts = {"profile": 1, **{k: len(v) for k, v in sorted(records.items())}}
    document = {"format": FORMAT, "exported_at": now.isoformat(), "profile": profile,
                "counts": counts, "records": dict(sorted(records.items()))}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", _readme(profile, counts, now).encode("utf-8"))
        z.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
        z.writestr("csv/profile.csv", _csv([profile]))
        for kind, rows in sorted(records.items()):
            z.writestr(f"csv/{kind}.csv", _csv(rows))
        for f in files:
            z.writestr(f["file"], storage.read_recording(f["stored_as"]),
                       compress_type=zipfile.ZIP_STORED)
    audit.record_by(session, viewer, audit.Action.data_exported, "user", user_id,
                    f"{sum(counts.values())} records, {len(files)} recordings")
    session.flush()
    return buf.getvalue()


def export_filename(username: str, today: date | None = None) -> str:
    return f"complaint-dojo-{username}-{(today or local_today()).isoformat()}.zip"


# --- correction --------------------------------------------------------------------------------


def correct_profile(session: Session, viewer: Viewer, user_id: int, *,
                    display_name: str | None = None, language: str | None = None) -> User:
    """Correct a display name (the person or an admin) and the language (the person only).
    Audited (the fields changed, not their values); flushes."""
    user = _user(session, user_id)
    changed = []
    if display_name is not None:
        if not access.can_correct_display_name(viewer, user_id):
            raise NotAllowed()
        name = display_name.strip()
        if not name or len(name) > MAX_DISPLAY_NAME:
            raise DataRightsError("data_rights.err_display_name", n=MAX_DISPLAY_NAME)
        if name != user.display_name:
            user.display_name = name
            changed.append("display_name")
    if language is not None:
        if not access.can_correct_own_profile(viewer, user_id):
            raise NotAllowed()
        if language not in LANGUAGES:
            raise DataRightsError("data_rights.err_language")
        if language != user.language:
            user.language = language
            changed.append("language")
    if changed:
        session.add(user)
        audit.record_by(session, viewer, audit.Action.data_corrected, "user", user_id,
                        ", ".join(changed) + ("" if viewer.id == user_id else " (by admin)"))
        session.flush()
    return user


# --- erasure -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing a person removes and what stays (the confirmation page shows both)."""

    user_id: int
    username: str
    display_name: str
    role: str
    goes: dict[str, int]  # kind → rows (and "recording_files")
    stays: dict[str, int]  # "audit_rows", "closed_weeks", "unassigned", "tombstone"


def _count(session: Session, table: sa.Table, where) -> int:
    return int(session.connection().execute(
        sa.select(sa.func.count()).select_from(table).where(where)).scalar() or 0)


def _storage_files(user_id: int) -> list:
    folder = storage.recordings_root() / str(int(user_id))
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def _closed_checkin_weeks(session: Session, user_id: int, now: datetime) -> list[date]:
    from wellbeing.instruments import week_start

    open_from = week_start(local_today(now))
    weeks = session.exec(select(CheckIn.week_start).where(CheckIn.user_id == user_id)).all()
    return sorted({w for w in weeks if w < open_from})


def _audit_rows_of(session: Session, user: User) -> list[AuditLog]:
    """Audit rows that name or point at the person (kept, de-identified on erasure)."""
    stmt = select(AuditLog).where(sa.or_(
        AuditLog.actor_id == user.id,
        sa.and_(AuditLog.target_type == "user", AuditLog.target_id == user.id),
        AuditLog.actor_name == user.username,
        AuditLog.detail.contains(user.username, autoescape=True)))
    return list(session.exec(stmt).all())


def erasure_plan(session: Session, viewer: Viewer, user_id: int) -> ErasurePlan:
    """What :func:`erase_user` would remove (counts per kind) and what stays."""
    if not access.can_erase_user(viewer, user_id):
        raise NotAllowed()
    user = _user(session, user_id)
    tables = _tables()
    goes: dict[str, int] = {"profile": 1}
    stays: dict[str, int] = {"tombstone": 1}
    for lk in user_links():
        n = _count(session, tables[lk.table], tables[lk.table].c[lk.column] == user_id)
        if lk.erase == "delete" and n:
            goes[lk.kind or lk.table] = goes.get(lk.kind or lk.table, 0) + n
        elif lk.erase == "null" and n:
            stays["unassigned"] = stays.get("unassigned", 0) + n
    owned = _owned_ids(session, user_id)
    for lk, parent in child_links():
        if lk.erase == "delete" and lk.kind and owned.get(parent):
            table = tables[lk.table]
            n = _count(session, table, table.c[lk.column].in_(sorted(owned[parent])))
            if n:
                goes[lk.kind] = goes.get(lk.kind, 0) + n
    goes["recording_files"] = len(_storage_files(user_id))
    stays["audit_rows"] = len(_audit_rows_of(session, user))
    stays["closed_weeks"] = len(_closed_checkin_weeks(session, user_id, utcnow()))
    return ErasurePlan(user_id=user.id, username=user.username, display_name=user.display_name,
                       role=str(user.role), goes={k: v for k, v in goes.items() if v},
                       stays=stays)


def _scrub(text: str | None, names: list[str], placeholder: str) -> str | None:
    if not text:
        return text
    for name in names:
        if name:
            text = text.replace(name, placeholder)
    return text


def erase_user(session: Session, viewer: Viewer, user_id: int, *, reason: str,
               now: datetime | None = None) -> ErasureRecord:
    """Erase the person: their account, every row that is theirs (see ``USER_LINKS``), their
    recordings folder in storage and any background job about their attempts. Stays: the
    tombstone returned, the audit rows (their name replaced by ``erased#<tombstone id>``) and
    the frozen totals of closed weeks. Admins only, never themselves; ``reason`` is required
    (the person's name in it is replaced). Flushes; the caller commits.

    Files go first: should the transaction then fail, the rows stay without audio (pages say
    the recording is missing) and the erasure can simply be repeated."""
    plan = erasure_plan(session, viewer, user_id)
    if not reason.strip():
        raise DataRightsError("data_rights.err_reason")
    from services.trends import freeze_closed_weeks

    now = now or utcnow()
    user = _user(session, user_id)
    names = sorted({user.username, user.display_name}, key=len, reverse=True)
    tables = _tables()

    # 1. HR totals of closed weeks, frozen while the answers still exist
    freeze_closed_weeks(session, _closed_checkin_weeks(session, user_id, now), now=now)

    # 2. storage: the recordings their attempts name, then their whole folder
    for _, rel in _recording_files(session, user_id):
        storage.recording_path(rel).unlink(missing_ok=True)
    folder = storage.recordings_root() / str(int(user_id))
    if folder.is_dir():
        shutil.rmtree(folder)

    # 3. the tombstone, and the audit rows de-identified
    tomb = ErasureRecord(former_user_id=user_id, former_role=str(user.role), erased_at=now,
                         erased_by_id=None if getattr(viewer, "is_system", False) else viewer.id,
                         erased_by_name=viewer.username,
                         reason=_scrub(reason.strip(), names, "（本人）") or "",
                         counts=plan.goes)
    session.add(tomb)
    session.flush()
    placeholder = f"erased#{tomb.id}"
    for row in _audit_rows_of(session, user):
        if row.actor_id == user_id or row.actor_name == user.username:
            row.actor_id, row.actor_name = None, placeholder
        row.detail = _scrub(row.detail, names, placeholder)
        session.add(row)
    for rec in session.exec(select(ErasureRecord).where(
            ErasureRecord.erased_by_id == user_id)).all():
        rec.erased_by_id, rec.erased_by_name = None, placeholder
        session.add(rec)
    session.flush()

    # 4. background jobs about their attempts (the job table has no foreign key)
    owned = _owned_ids(session, user_id)
    job = tables.get("job")
    if job is not None and owned.get("attempt") and {"kind", "target_id"} <= set(job.c.keys()):
        session.execute(sa.delete(job).where(job.c.kind.in_(["analyse", "rescore"]),
                                             job.c.target_id.in_(sorted(owned["attempt"]))))

    # 5. every row that is theirs, dependents first
    ops: dict[str, list[tuple[Link, Any]]] = defaultdict(list)
    for lk in user_links():
        ops[lk.table].append((lk, tables[lk.table].c[lk.column] == user_id))
    for lk, parent in child_links():
        if owned.get(parent):
            ops[lk.table].append((lk, tables[lk.table].c[lk.column].in_(sorted(owned[parent]))))
    for table in reversed(SQLModel.metadata.sorted_tables):
        for lk, where in ops.get(table.name, []):
            if lk.erase == "delete":
                session.execute(sa.delete(table).where(where))
            else:  # "null" and "scrub": the row stays, the key goes (names scrubbed above)
                session.execute(sa.update(table).where(where).values({lk.column: None}))
    session.execute(sa.delete(tables["user"]).where(tables["user"].c.id == user_id))
    session.expunge(user)
    session.expire_all()

    audit.record_by(session, viewer, audit.Action.data_erased, "user", user_id,
                    f"tombstone {tomb.id}: " + json.dumps(plan.goes, sort_keys=True))
    session.flush()
    log.info("erased user %s (tombstone %s): %s", user_id, tomb.id, plan.goes)
    return tomb


def erasure_records(session: Session, viewer: Viewer, limit: int = 100) -> list[ErasureRecord]:
    """The tombstones, newest first (the admin page lists them)."""
    if not access.can_erase_user(viewer, -1):
        raise NotAllowed()
    stmt = select(ErasureRecord).order_by(ErasureRecord.erased_at.desc()).limit(limit)
    return list(session.exec(stmt).all())


# --- retention ---------------------------------------------------------------------------------


@dataclass
class RetentionReport:
    """What one sweep removed (counts) and the cut-offs it used (ISO dates/times)."""

    now: datetime
    recordings_deleted: int = 0
    orphan_files_deleted: int = 0
    checkins_deleted: int = 0
    flags_deleted: int = 0
    free_texts_blanked: int = 0
    notes_blanked: int = 0
    audit_rows_deleted: int = 0
    weeks_frozen: int = 0
    cutoffs: dict[str, str] = field(default_factory=dict)

    @property
    def removed(self) -> int:
        return (self.recordings_deleted + self.orphan_files_deleted + self.checkins_deleted
                + self.flags_deleted + self.free_texts_blanked + self.notes_blanked
                + self.audit_rows_deleted)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["now"] = self.now.isoformat()
        return out


def retention_settings() -> list[tuple[str, int]]:
    """``(setting name, days)`` of the retention rules in force (the pages' table)."""
    s = get_settings()
    return [(name, getattr(s, name)) for name in (
        "retention_recording_days", "retention_checkin_days", "retention_free_text_days",
        "retention_audit_days")]


def _remove_orphan_files(session: Session, now: datetime) -> int:
    """Recording files no attempt names (an erasure or a crash between file and row), older
    than a day."""
    root = storage.recordings_root()
    named = set(session.exec(select(Attempt.audio_path).where(Attempt.audio_path != "")).all())
    removed = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.relative_to(root).as_posix() in named:
            continue
        if datetime.fromtimestamp(path.stat().st_mtime, UTC) > now - ORPHAN_GRACE:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed


def retention_sweep(session: Session, *, now: datetime | None = None) -> RetentionReport:
    """Remove what the retention settings (``core.config``, ``retention_*_days``; 0 = no limit)
    say is due at ``now``: audio of recordings (the attempt, its transcript and result stay),
    check-in answers and their flags (closed weeks' HR totals frozen first), check-in free
    text and HR's notes of finished one-on-ones, audit rows. Logged and audited (actor
    "system") when anything was removed. Flushes; the caller commits. Safe to run repeatedly
    (the periodic job of ``core.jobs`` and ``core.cli retention``)."""
    from services.trends import freeze_closed_weeks
    from wellbeing.instruments import week_start

    now = as_utc(now or utcnow())
    s = get_settings()
    report = RetentionReport(now=now)
    today = local_today(now)

    if s.retention_recording_days > 0:
        cutoff = now - timedelta(days=s.retention_recording_days)
        report.cutoffs["recordings_before"] = cutoff.isoformat()
        stmt = select(Attempt).where(Attempt.audio_path != "", Attempt.created_at < cutoff)
        for attempt in session.exec(stmt).all():
            try:
                storage.recording_path(attempt.audio_path).unlink(missing_ok=True)
            except ValueError:
                pass
            attempt.audio_path = ""
            session.add(attempt)
            report.recordings_deleted += 1
        session.flush()
    report.orphan_files_deleted = _remove_orphan_files(session, now)

    if s.retention_checkin_days > 0:
        first_kept = week_start(today - timedelta(days=s.retention_checkin_days))
        report.cutoffs["checkins_before_week"] = first_kept.isoformat()
        due = session.exec(select(CheckIn).where(CheckIn.week_start < first_kept)).all()
        if due:
            report.weeks_frozen += freeze_closed_weeks(session, [c.week_start for c in due],
                                                       now=now)
            ids = [c.id for c in due]
            flags = session.exec(select(Flag.id).where(Flag.checkin_id.in_(ids))).all()
            if flags:
                session.execute(sa.update(OneOnOne).where(OneOnOne.flag_id.in_(flags))
                                .values(flag_id=None))
                session.execute(sa.delete(Flag).where(Flag.id.in_(flags)))
            session.execute(sa.delete(CheckIn).where(CheckIn.id.in_(ids)))
            report.checkins_deleted, report.flags_deleted = len(ids), len(flags)
            session.expire_all()

    if s.retention_free_text_days > 0:
        first_kept = week_start(today - timedelta(days=s.retention_free_text_days))
        cutoff = now - timedelta(days=s.retention_free_text_days)
        report.cutoffs["free_text_before_week"] = first_kept.isoformat()
        report.cutoffs["notes_before"] = cutoff.isoformat()
        due = session.exec(select(CheckIn).where(CheckIn.week_start < first_kept,
                                                 CheckIn.free_text.is_not(None))).all()
        for c in due:  # numbers unchanged: nothing to freeze
            c.free_text = None
            session.add(c)
        report.free_texts_blanked = len(due)
        notes = session.exec(select(OneOnOne).where(
            OneOnOne.notes.is_not(None), OneOnOne.updated_at < cutoff,
            OneOnOne.status.in_([OneOnOneStatus.done, OneOnOneStatus.declined]))).all()
        for one in notes:
            one.notes = None
            session.add(one)
        report.notes_blanked = len(notes)
        session.flush()

    if s.retention_audit_days > 0:
        cutoff = now - timedelta(days=s.retention_audit_days)
        report.cutoffs["audit_before"] = cutoff.isoformat()
        result = session.execute(sa.delete(AuditLog).where(AuditLog.at < cutoff))
        report.audit_rows_deleted = int(result.rowcount or 0)

    if report.removed:
        detail = json.dumps({k: v for k, v in report.as_dict().items()
                             if k not in ("now", "cutoffs") and v}, sort_keys=True)
        audit.record(session, action=audit.Action.retention_sweep, actor_name="system",
                     target_type="retention", detail=detail)
    session.flush()
    log.info("retention sweep at %s: %s", now.isoformat(), report.as_dict())
    return report


def run_retention(session: Session, viewer: Viewer, *, now: datetime | None = None,
                  ) -> RetentionReport:
    """The sweep started by hand from the admin page (``access.can_run_retention``)."""
    if not access.can_run_retention(viewer):
        raise NotAllowed()
    return retention_sweep(session, now=now)
