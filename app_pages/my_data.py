"""My data (わたしのデータ), every role: what the product holds about me, the whole of it as one
archive (JSON, CSV, audio, README), my profile corrected, and the retention and withdrawal
rules. The data functions are in services.data_rights."""

import pandas as pd
import streamlit as st

from core import access
from core.errors import Refusal
from core.models import Role
from services import data_rights as dr
from ui import shell

viewer = shell.require_page("my_data")
st.title(shell.tr("page.my_data"))
lang = shell.lang()
ARCHIVE = "my_data_archive"

st.caption(shell.tr("data_rights.my_intro"))

with shell.session() as s:
    counts = dr.data_summary(s, viewer, viewer.id)
    profile = dr.profile_fields(s, viewer, viewer.id)

st.subheader(shell.tr("data_rights.summary_heading"))
st.table(
    pd.DataFrame([{shell.tr("data_rights.col_kind"): dr.kind_label(kind, lang),
                   shell.tr("data_rights.col_count"): n}
                  for kind, n in {"profile": 1, **counts}.items()]),
    hide_index=True,
)

st.subheader(shell.tr("data_rights.download_heading"))
st.caption(shell.tr("data_rights.download_help"))
if st.button(shell.tr("data_rights.prepare"), key="prepare_archive", type="primary"):
    try:
        with shell.session() as s:
            data = dr.export_user(s, viewer, viewer.id)
            s.commit()  # the download is audited
        st.session_state[ARCHIVE] = (dr.export_filename(profile["username"]), data)
    except Refusal as e:
        shell.show_refusal(e)
if ARCHIVE in st.session_state:
    name, data = st.session_state[ARCHIVE]
    st.success(shell.tr("data_rights.prepared", n=sum(counts.values()) + 1))
    st.download_button(shell.tr("data_rights.download", name=name), data=data, file_name=name,
                       mime="application/zip", key="download_archive",
                       icon=":material/download:")

st.subheader(shell.tr("data_rights.correct_heading"))
languages = {"ja": "日本語", "en": "English"}
with st.form("correct_profile"):
    display_name = st.text_input(shell.tr("data_rights.display_name"),
                                 value=profile["display_name"], max_chars=dr.MAX_DISPLAY_NAME)
    language = st.selectbox(shell.tr("data_rights.language"), list(languages),
                            index=list(languages).index(profile["language"])
                            if profile["language"] in languages else 0,
                            format_func=languages.get)
    if st.form_submit_button(shell.tr("data_rights.save")):
        try:
            with shell.session() as s:
                dr.correct_profile(s, viewer, viewer.id, display_name=display_name,
                                   language=language)
                s.commit()
            st.session_state[shell.SESSION_LANG] = language
            st.session_state.pop(ARCHIVE, None)  # an archive made before is out of date
            st.success(shell.tr("data_rights.saved"))
            st.rerun()
        except Refusal as e:
            shell.show_refusal(e)
if viewer.role == Role.staff:
    st.caption(shell.tr("data_rights.checkin_hint"))
st.caption(shell.tr("data_rights.erase_hint"))

st.subheader(shell.tr("data_rights.retention_heading"))
st.table(
    pd.DataFrame([{shell.tr("data_rights.col_what"): shell.tr(f"data_rights.{name}"),
                   shell.tr("data_rights.col_days"): days}
                  for name, days in dr.retention_settings()]),
    hide_index=True,
)
if access.can_submit_checkin(viewer):
    st.subheader(shell.tr("data_rights.withdraw_heading"))
    st.write(shell.tr("consent.withdraw_note"))
