"""Admin: create users, set role and team, reset a password, deactivate, import from CSV."""

import pandas as pd
import streamlit as st

from core import audit, ui, users
from core.models import Role

viewer = ui.require_page("admin")
st.title(ui.tr("page.admin"))
roles = [r.value for r in Role]


def role_label(value: str) -> str:
    return ui.tr(f"role.{value}")


def show_error(e: users.UserError) -> None:
    st.error(ui.tr(e.key, **e.values))


with ui.session() as s:
    all_users = users.list_users(s)
    teams = {t.id: t.name for t in users.list_teams(s)}

st.subheader(ui.tr("admin.users"))
st.dataframe(
    pd.DataFrame(
        [
            {
                ui.tr("admin.username"): u.username,
                ui.tr("admin.display_name"): u.display_name,
                ui.tr("admin.role"): role_label(u.role),
                ui.tr("admin.team"): teams.get(u.team_id, ""),
                ui.tr("admin.active"): u.active,
            }
            for u in all_users
        ]
    ),
    hide_index=True,
    use_container_width=True,
)

left, right = st.columns(2)
with left, st.form("create_user", clear_on_submit=True):
    st.subheader(ui.tr("admin.create"))
    username = st.text_input(ui.tr("admin.username"))
    display_name = st.text_input(ui.tr("admin.display_name"))
    role = st.selectbox(ui.tr("admin.role"), roles, format_func=role_label)
    team = st.text_input(ui.tr("admin.team"))
    password = st.text_input(ui.tr("admin.password"), type="password")
    if st.form_submit_button(ui.tr("admin.add"), type="primary"):
        try:
            with ui.session() as s:
                users.create_user(s, username=username, display_name=display_name, role=role,
                                  password=password, team_name=team or None, viewer=viewer)
                s.commit()
            st.success(ui.tr("admin.created", username=username))
        except users.UserError as e:
            show_error(e)

with right:
    st.subheader(ui.tr("admin.edit"))
    by_id = {u.id: u for u in all_users}
    chosen = st.selectbox(ui.tr("admin.select_user"), list(by_id),
                          format_func=lambda i: f"{by_id[i].display_name} ({by_id[i].username})")
    if chosen is not None:
        user = by_id[chosen]
        with ui.session() as s:
            coached = users.trainer_team_names(s, user.id)
        with st.form(f"edit_{user.id}"):
            new_role = st.selectbox(ui.tr("admin.role"), roles, index=roles.index(user.role),
                                    format_func=role_label)
            team_options = [""] + sorted(teams.values())
            current_team = teams.get(user.team_id, "")
            new_team = st.selectbox(ui.tr("admin.team"), team_options,
                                    index=team_options.index(current_team),
                                    format_func=lambda n: n or ui.tr("admin.no_team"))
            new_coached = st.multiselect(ui.tr("admin.coached_teams"), sorted(teams.values()),
                                         placeholder=ui.tr("app.choose"),
                                         default=coached)
            active = st.checkbox(ui.tr("admin.active"), value=user.active)
            if st.form_submit_button(ui.tr("admin.save")):
                try:
                    with ui.session() as s:
                        users.update_user(s, user.id, viewer=viewer, role=new_role,
                                          team_name=new_team, active=active,
                                          trainer_team_names=new_coached)
                        s.commit()
                    st.success(ui.tr("admin.saved"))
                except users.UserError as e:
                    show_error(e)
        with st.form(f"reset_{user.id}", clear_on_submit=True):
            new_password = st.text_input(ui.tr("admin.new_password"), type="password")
            if st.form_submit_button(ui.tr("admin.reset")):
                try:
                    with ui.session() as s:
                        users.reset_password(s, user.id, new_password, viewer=viewer)
                        s.commit()
                    st.success(ui.tr("admin.password_reset_done"))
                except users.UserError as e:
                    show_error(e)

st.subheader(ui.tr("admin.import"))
st.caption(ui.tr("admin.import_help"))
upload = st.file_uploader(ui.tr("admin.import"), type=["csv"], label_visibility="collapsed")
if upload is not None and st.button(ui.tr("admin.import_button")):
    with ui.session() as s:
        report = users.import_users_csv(s, upload.getvalue(), viewer=viewer)
        s.commit()
    if report.created:
        st.success(ui.tr("admin.import_created", n=len(report.created)))
    if report.errors:
        st.error(ui.tr("admin.import_errors", n=len(report.errors)))
        for line, key, values in report.errors:
            st.write(ui.tr("admin.import_line", line=line, message=ui.tr(key, **values)))

st.subheader(ui.tr("admin.audit"))
with ui.session() as s:
    rows = audit.recent(s, limit=100)
st.dataframe(
    pd.DataFrame(
        [
            {
                ui.tr("admin.col_at"): r.at,
                ui.tr("admin.col_actor"): r.actor_name,
                ui.tr("admin.col_action"): r.action,
                ui.tr("admin.col_target"): f"{r.target_type or ''} {r.target_id or ''}".strip(),
                ui.tr("admin.col_detail"): r.detail or "",
            }
            for r in rows
        ]
    ),
    hide_index=True,
    use_container_width=True,
)
