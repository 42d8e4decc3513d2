"""HR: the one-on-one queue — explicit requests and consented flags only; level and the reasons
the person shared, never answers. Every entry shown is recorded in the audit log."""

from datetime import datetime, time

import streamlit as st

from core import clock
from core.errors import Refusal
from core.models import OneOnOneStatus
from services import one_on_one as oo
from ui import shell
from ui.widgets import escape

viewer = shell.require_page("one_on_one")
st.title(shell.tr("page.one_on_one"))
lang = shell.lang()
st.caption(shell.tr("one_on_one.intro"))
include_closed = st.toggle(shell.tr("one_on_one.include_closed"), key="include_closed")
if flash := st.session_state.pop("oo_flash", None):  # what the last save did (after the rerun)
    st.success(flash)

with shell.session() as s:
    items = oo.one_on_one_queue(s, viewer, include_closed=include_closed)
    s.commit()  # the audit rows of this view
    assignees = {u.id: u.display_name for u in oo.hr_people(s)}

if not items:
    st.info(shell.tr("one_on_one.empty"))


def status_label(value: str) -> str:
    return shell.tr(f"one_on_one.status_{value}")


for item in items:
    with st.container(border=True):
        head = f"**{escape(item.person)}**" + (f"（{escape(item.team)}）" if item.team else "")
        kind = shell.tr("one_on_one.requested" if item.requested_by_person else "one_on_one.not_requested")
        st.markdown(f"{head} · {kind} · {status_label(item.status)}")
        if item.level is None:
            st.caption(shell.tr("one_on_one.level_hidden"))
        else:
            st.write(shell.tr("one_on_one.level", level=shell.tr(f"one_on_one.level_{item.level}")))
            if item.flagged_on:
                st.caption(shell.tr("one_on_one.flagged_on",
                                    date=clock.format_local(item.flagged_on, "%Y-%m-%d")))
            if item.reasons:
                st.caption(shell.tr("one_on_one.reasons"))
                for r in item.reasons:
                    st.markdown(f"- {r.get(lang, r['ja'])}")
        if item.status in (OneOnOneStatus.done, OneOnOneStatus.declined):
            if item.notes:
                st.caption(escape(item.notes))
            if st.button(shell.tr("one_on_one.reopen"), key=f"reopen_{item.id}",
                         icon=":material/undo:"):
                try:
                    with shell.session() as s:
                        oo.reopen_one_on_one(s, viewer, item.id)
                        s.commit()
                except Refusal as e:
                    shell.show_refusal(e)
                else:
                    st.session_state.oo_flash = shell.tr("one_on_one.reopened", person=item.person)
                    st.rerun()
            continue
        with st.form(f"one_{item.id}"):
            options = [item.status, *sorted(oo.TRANSITIONS[OneOnOneStatus(item.status)] - {item.status})]
            status = st.selectbox(shell.tr("one_on_one.status"), options, format_func=status_label)
            people = [None, *assignees]
            assignee = st.selectbox(
                shell.tr("one_on_one.assignee"), people,
                index=people.index(item.assignee_id) if item.assignee_id in people else 0,
                format_func=lambda i: shell.tr("one_on_one.no_assignee") if i is None else assignees[i])
            day = st.date_input(shell.tr("one_on_one.scheduled_for"),
                                value=clock.to_local(item.scheduled_for).date()
                                if item.scheduled_for else None)
            notes = st.text_area(shell.tr("one_on_one.notes"), value=item.notes or "")
            if st.form_submit_button(shell.tr("one_on_one.save")):
                try:
                    with shell.session() as s:
                        oo.update_one_on_one(
                            s, viewer, item.id, status=status, assignee_id=assignee, notes=notes,
                            scheduled_for=datetime.combine(day, time(9), tzinfo=clock.company_tz())
                            if day else None)
                        s.commit()
                except Refusal as e:
                    shell.show_refusal(e)
                else:  # rerun: the header and the list show the new state
                    closed = status in (OneOnOneStatus.done, OneOnOneStatus.declined)
                    st.session_state.oo_flash = shell.tr(
                        "one_on_one.saved_closed" if closed and not include_closed
                        else "one_on_one.saved_as", person=item.person, status=status_label(status))
                    st.rerun()
