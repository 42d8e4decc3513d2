"""Demo data for a first start: teams, people of every role, practice attempts and 12 weeks of
check-ins, so that every page shows real content. Runs only on a database with no users."""

from __future__ import annotations

import importlib

from sqlmodel import Session, func, select

from core.access import SYSTEM
from core.config import get_settings
from core.db import get_engine
from core.models import Role, TrainerTeam, User
from services.users import create_user, get_or_create_team

# (username, display name, role, team)
DEMO_PEOPLE = [
    ("admin", "管理 太郎", Role.admin, None),
    ("hr", "人事 花子", Role.hr, None),
    ("trainer", "指導 健一", Role.trainer, "東京サポート"),
    ("trainer2", "育成 美咲", Role.trainer, "大阪サポート"),
    ("sato", "佐藤 優子", Role.staff, "東京サポート"),
    ("suzuki", "鈴木 大輔", Role.staff, "東京サポート"),
    ("takahashi", "高橋 美穂", Role.staff, "東京サポート"),
    ("tanaka", "田中 翔", Role.staff, "東京サポート"),
    ("ito", "伊藤 由美", Role.staff, "東京サポート"),
    ("watanabe", "渡辺 拓也", Role.staff, "東京サポート"),
    ("yamamoto", "山本 恵", Role.staff, "大阪サポート"),
    ("nakamura", "中村 亮", Role.staff, "大阪サポート"),
    ("kobayashi", "小林 彩", Role.staff, "大阪サポート"),
    ("kimura", "木村 直樹", Role.staff, "大阪サポート"),
    ("hayashi", "林 さくら", Role.staff, "大阪サポート"),
    ("shimizu", "清水 誠", Role.staff, "大阪サポート"),
    ("saito", "斎藤 理恵", Role.staff, "大阪サポート"),
    # a team too small for HR reports: its trends are suppressed
    ("yamaguchi", "山口 陽菜", Role.staff, "福岡サポート"),
    ("matsumoto", "松本 蓮", Role.staff, "福岡サポート"),
    ("inoue", "井上 葵", Role.staff, "福岡サポート"),
]
# Teams coached by a trainer beyond their own team.
DEMO_COACHING = {"trainer2": ["福岡サポート"]}


def seed_demo(session: Session | None = None) -> bool:
    """Seed the demo people (and the demo content hooks) when there are no users yet.

    Returns True when it seeded. Safe to call on every start.
    """
    own = session is None
    session = session or Session(get_engine(), expire_on_commit=False)
    try:
        if session.exec(select(func.count()).select_from(User)).one() > 0:
            return False
        password = get_settings().demo_password
        people = {}
        for username, name, role, team in DEMO_PEOPLE:
            people[username] = create_user(session, username=username, display_name=name,
                                           role=role, password=password, team_name=team,
                                           viewer=SYSTEM)
        session.flush()
        for trainer, team_names in DEMO_COACHING.items():
            for name in team_names:
                team = get_or_create_team(session, name)
                session.add(TrainerTeam(trainer_id=people[trainer].id, team_id=team.id))
        session.flush()
        for dotted in DEMO_CONTENT_HOOKS:
            module_name, _, function = dotted.partition(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as e:
                if e.name != module_name:
                    raise
                continue  # that area is not installed yet
            getattr(module, function)(session, people)
        session.commit()
        return True
    finally:
        if own:
            session.close()


# The areas that own demo content, in order: each is "module:function", and the function is
# ``seed_demo(session, people: dict[str, User]) -> None`` (people by username; flush, no commit).
DEMO_CONTENT_HOOKS = [
    "demo.practice:seed_demo",
    "demo.review:seed_demo",
    "demo.checkin:seed_demo",
    "demo.incidents:seed_demo",
]
