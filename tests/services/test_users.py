import pytest
from sqlmodel import select

from core.access import viewer_for
from core.models import Role, User
from services.users import UserError, create_user, import_users_csv, reset_password, update_user

CSV = """username,display_name,role,team,password
kato,加藤 恵,staff,東京サポート,goodpassword
,名無し,staff,東京サポート,goodpassword
mori,森 健,wizard,東京サポート,goodpassword
ueda,上田 光,trainer,大阪サポート,short
kato,加藤 二人目,staff,東京サポート,goodpassword
hirano,平野 碧,hr,,goodpassword
"""


def test_csv_import_keeps_good_rows_and_reports_bad_ones(session, make_user):
    admin = viewer_for(session, make_user("root", role="admin"))
    report = import_users_csv(session, CSV.encode("utf-8"), viewer=admin)
    session.commit()
    assert report.created == ["kato", "hirano"]
    assert [(line, key) for line, key, _ in report.errors] == [
        (3, "admin.err_username"),
        (4, "admin.err_role"),
        (5, "password.too_short"),  # the policy's own message (core.passwords)
        (6, "admin.err_exists"),
    ]
    names = set(session.exec(select(User.username)).all())
    assert names == {"root", "kato", "hirano"}


def test_csv_import_reads_shift_jis_and_reports_bad_header(session, make_user):
    admin = viewer_for(session, make_user("root", role="admin"))
    sjis = "username,display_name,role,team,password\nkato,加藤 恵,staff,東京,goodpassword\n"
    assert import_users_csv(session, sjis.encode("cp932"), viewer=admin).created == ["kato"]
    bad = import_users_csv(session, b"name,pass\nx,y\n", viewer=admin)
    assert bad.created == [] and bad.errors[0][1] == "admin.csv_header"


def test_only_admins_manage_users(session, make_user):
    staff = viewer_for(session, make_user("sato"))
    with pytest.raises(PermissionError):
        create_user(session, username="x", display_name="x", role="staff",
                    password="longenough", viewer=staff)
    with pytest.raises(PermissionError):
        import_users_csv(session, CSV, viewer=staff)


def test_admin_changes_role_team_password_and_deactivates(session, make_user):
    admin = viewer_for(session, make_user("root", role="admin"))
    user = make_user("sato", team="東京")
    update_user(session, user.id, viewer=admin, role="trainer", team_name="大阪",
                trainer_team_names=["東京", "大阪"])
    session.commit()
    v = viewer_for(session, session.get(User, user.id))
    assert v.role == Role.trainer and len(v.coached_team_ids) == 2
    reset_password(session, user.id, "brand-new-password", viewer=admin)
    update_user(session, user.id, viewer=admin, active=False)
    session.commit()
    assert session.get(User, user.id).active is False
    with pytest.raises(UserError):
        update_user(session, admin.id, viewer=admin, active=False)
