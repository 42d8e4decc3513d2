"""Admin: create users, set role and team, reset a password, deactivate, import from CSV."""

import pandas as pd
import streamlit as st

from core.errors import Refusal
from core.models import Role
from services import users
from ui import audit_view, shell
from ui.widgets import escape

viewer = shell.require_page("admin")
st.title(shell.tr("page.admin"))
roles = [r.value for r in Role]


def role_label(value: str) -> str:
    return shell.tr(f"role.{value}")


with shell.session() as s:
    all_users = users.list_users(s)
    teams = {t.id: t.name for t in users.list_teams(s)}

st.subheader(shell.tr("admin.users"))
st.dataframe(
    pd.DataFrame(
        [
            {
                shell.tr("admin.username"): u.username,
                shell.tr("admin.display_name"): u.display_name,
                shell.tr("admin.role"): role_label(u.role),
                shell.tr("admin.team"): teams.get(u.team_id, ""),
                shell.tr("admin.active"): u.active,
            }
            for u in all_users
        ]
    ),
    hide_index=True,
    width="stretch",
)

left, right = st.columns(2)
# A refused entry keeps what was typed (only the password is asked again); a created user
# empties the form (a new generation of its widgets).
form_gen = st.session_state.setdefault("admin_create_gen", 0)
if created := st.session_state.pop("admin_created", None):
    left.success(shell.tr("admin.created", username=created))
with left, st.form(f"create_user_{form_gen}"):
    st.subheader(shell.tr("admin.create"))
    username = st.text_input(shell.tr("admin.username"), key=f"cu_name_{form_gen}")
    display_name = st.text_input(shell.tr("admin.display_name"), key=f"cu_display_{form_gen}")
    role = st.selectbox(shell.tr("admin.role"), roles, format_func=role_label,
                        key=f"cu_role_{form_gen}")
    team = st.text_input(shell.tr("admin.team"), key=f"cu_team_{form_gen}")
    password = st.text_input(shell.tr("admin.password"), type="password", key=f"cu_pw_{form_gen}")
    if st.form_submit_button(shell.tr("admin.add"), type="primary"):
        try:
            with shell.session() as s:
                users.create_user(s, username=username, display_name=display_name, role=role,
                                  password=password, team_name=team or None, viewer=viewer)
                s.commit()
        except Refusal as e:
            shell.show_refusal(e)
        else:
            st.session_state.admin_create_gen = form_gen + 1
            st.session_state.admin_created = username
            st.rerun()

with right:
    st.subheader(shell.tr("admin.edit"))
    by_id = {u.id: u for u in all_users}
    chosen = st.selectbox(shell.tr("admin.select_user"), list(by_id),
                          format_func=lambda i: f"{by_id[i].display_name} ({by_id[i].username})")
    if chosen is not None:
        user = by_id[chosen]
        with shell.session() as s:
            coached = users.trainer_team_names(s, user.id)
        with st.form(f"edit_{user.id}"):
            new_role = st.selectbox(shell.tr("admin.role"), roles, index=roles.index(user.role),
                                    format_func=role_label)
            team_options = [""] + sorted(teams.values())
            current_team = teams.get(user.team_id, "")
            new_team = st.selectbox(shell.tr("admin.team"), team_options,
                                    index=team_options.index(current_team),
                                    format_func=lambda n: n or shell.tr("admin.no_team"))
            new_coached = st.multiselect(shell.tr("admin.coached_teams"), sorted(teams.values()),
                                         placeholder=shell.tr("app.choose"),
                                         default=coached)
            active = st.checkbox(shell.tr("admin.active"), value=user.active)
            require = st.checkbox(shell.tr("security.require_change"), value=False)
            if st.form_submit_button(shell.tr("admin.save")):
                try:
                    with shell.session() as s:
                        users.update_user(s, user.id, viewer=viewer, role=new_role,
                                          team_name=new_team, active=active,
                                          trainer_team_names=new_coached,
                                          require_password_change=True if require else None)
                        s.commit()
                    st.success(shell.tr("admin.saved"))
                except Refusal as e:
                    shell.show_refusal(e)
        # A reset gives a one-time temporary password, shown here once; the person sets their
        # own at the next login and is told that an admin reset it (core.auth).
        if st.button(shell.tr("admin.reset"), key=f"reset_{user.id}"):
            try:
                with shell.session() as s:
                    temporary = users.reset_password(s, user.id, viewer=viewer)
                    s.commit()
                st.success(shell.tr("admin.password_reset_done"))
                st.warning(shell.tr("security.temp_password", password=temporary))
            except Refusal as e:
                shell.show_refusal(e)

st.subheader(shell.tr("admin.import"))
st.caption(shell.tr("admin.import_help"))
upload = st.file_uploader(shell.tr("admin.import"), type=["csv"], label_visibility="collapsed")
if upload is not None and st.button(shell.tr("admin.import_button")):
    with shell.session() as s:
        report = users.import_users_csv(s, upload.getvalue(), viewer=viewer)
        s.commit()
    if report.created:
        st.success(shell.tr("admin.import_created", n=len(report.created)))
    if report.errors:
        st.error(shell.tr("admin.import_errors", n=len(report.errors)))
        for line, key, values in report.errors:
            st.markdown(escape(shell.tr("admin.import_line", line=line,
                                        message=shell.tr(key, **values))))

audit_view.render(viewer)  # filters by user, action and date; pages through every row
