"""Admin: a person's data erased on their request (with a confirmation that names what goes and
what stays), a display name corrected, the erasure records, and the retention sweep by hand.
The data functions are in services.data_rights."""

import pandas as pd
import streamlit as st

from core import clock
from core.errors import Refusal
from services import data_rights as dr
from ui import shell

viewer = shell.require_page("data_rights")
st.title(shell.tr("page.data_rights"))
lang = shell.lang()
DONE = "data_rights_done"

st.caption(shell.tr("data_rights.admin_intro"))
if DONE in st.session_state:
    st.success(st.session_state.pop(DONE))

with shell.session() as s:
    people = dr.people(s, viewer)
by_id = {p["id"]: p for p in people}
chosen = st.selectbox(shell.tr("data_rights.choose_user"), list(by_id), index=None,
                      placeholder=shell.tr("app.choose"),
                      format_func=lambda i: f"{by_id[i]['display_name']} ({by_id[i]['username']}"
                      f" · {shell.tr('role.' + by_id[i]['role'])})")


def counts_table(counts: dict[str, int], label) -> None:
    st.table(pd.DataFrame([{shell.tr("data_rights.col_kind"): label(k),
                                shell.tr("data_rights.col_count"): n}
                               for k, n in counts.items()]), hide_index=True)


if chosen is not None:
    person = by_id[chosen]
    with shell.session() as s:
        plan = dr.erasure_plan(s, viewer, chosen)
    goes, stays = st.columns(2)
    with goes:
        st.subheader(shell.tr("data_rights.goes_heading"))
        counts_table(plan.goes, lambda k: dr.kind_label(k, lang))
    with stays:
        st.subheader(shell.tr("data_rights.stays_heading"))
        counts_table(plan.stays, lambda k: shell.tr(f"data_rights.stays_{k}"))
    with st.form(f"erase_{chosen}", clear_on_submit=True):
        confirm = st.text_input(shell.tr("data_rights.confirm_label",
                                         username=person["username"]))
        reason = st.text_area(shell.tr("data_rights.reason_label"))
        if st.form_submit_button(shell.tr("data_rights.erase_button"), type="primary"):
            if confirm.strip() != person["username"]:
                st.error(shell.tr("data_rights.err_confirm"))
            else:
                try:
                    with shell.session() as s:
                        record = dr.erase_user(s, viewer, chosen, reason=reason)
                        s.commit()
                    st.session_state[DONE] = shell.tr("data_rights.erased", id=record.id)
                    st.rerun()
                except Refusal as e:
                    shell.show_refusal(e)
    with st.form(f"rename_{chosen}"):
        st.subheader(shell.tr("data_rights.rename_heading"))
        name = st.text_input(shell.tr("data_rights.display_name"), value=person["display_name"])
        if st.form_submit_button(shell.tr("data_rights.save")):
            try:
                with shell.session() as s:
                    dr.correct_profile(s, viewer, chosen, display_name=name)
                    s.commit()
                st.session_state[DONE] = shell.tr("data_rights.saved")
                st.rerun()
            except Refusal as e:
                shell.show_refusal(e)

st.subheader(shell.tr("data_rights.tombstones_heading"))
with shell.session() as s:
    records = dr.erasure_records(s, viewer)
if records:
    st.table(pd.DataFrame([{
        shell.tr("data_rights.col_erased_at"): clock.format_local(r.erased_at),
        shell.tr("data_rights.col_account"): r.former_user_id,
        shell.tr("data_rights.col_role"): shell.tr(f"role.{r.former_role}")
        if r.former_role in ("staff", "trainer", "hr", "admin") else r.former_role,
        shell.tr("data_rights.col_by"): r.erased_by_name,
        shell.tr("data_rights.col_reason"): r.reason,
    } for r in records]), hide_index=True)
else:
    st.caption(shell.tr("data_rights.no_tombstones"))

st.subheader(shell.tr("data_rights.retention_heading"))
st.table(pd.DataFrame([{shell.tr("data_rights.col_what"): shell.tr(f"data_rights.{name}"),
                            shell.tr("data_rights.col_days"): days}
                           for name, days in dr.retention_settings()]),
             hide_index=True)
if st.button(shell.tr("data_rights.retention_run"), key="retention_run"):
    with shell.session() as s:
        report = dr.run_retention(s, viewer)
        s.commit()
    st.success(shell.tr("data_rights.retention_done", recordings=report.recordings_deleted,
                        checkins=report.checkins_deleted, texts=report.free_texts_blanked,
                        notes=report.notes_blanked, audit=report.audit_rows_deleted,
                        orphans=report.orphan_files_deleted))
