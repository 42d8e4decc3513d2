"""The admin's audit log: filters by user, action and date, and pages through every row.

Rows come from ``core.audit.search`` (which asks ``core.access`` and hides the details of
wellbeing actions); here they are only shown. Actor names are typed by anyone at the login
form, so the table is a dataframe (plain text cells, never Markdown).
"""

from __future__ import annotations

import math

import streamlit as st

from core import audit
from core.clock import format_local
from core.i18n import catalogue
from ui.shell import session, tr

PER_PAGE = 50


def named(kind: str, code: str | None) -> str:
    """An action code (``kind`` "action") or target type ("target") by its catalogue name in
    the viewer's language; a code the catalogue does not know shows as stored."""
    if not code:
        return ""
    key = f"audit.{kind}.{code}"
    return tr(key) if key in catalogue() else code


def render(viewer) -> None:
    st.subheader(tr("admin.audit"))
    actor_col, action_col, from_col, to_col = st.columns(4)
    actor = actor_col.text_input(tr("audit.filter_actor"), key="au_actor", max_chars=100)
    names = {"": tr("audit.filter_all"), **{a: named("action", a) for a in audit.actions()}}
    action = action_col.selectbox(tr("audit.filter_action"), list(names), key="au_action",
                                  format_func=names.get)
    date_from = from_col.date_input(tr("audit.filter_from"), value=None, key="au_from")
    date_to = to_col.date_input(tr("audit.filter_to"), value=None, key="au_to")
    filters = {"actor": actor or None, "action": action or None, "date_from": date_from,
               "date_to": date_to}
    with session() as s:
        _, total = audit.search(s, viewer, per_page=1, **filters)
        pages = max(1, math.ceil(total / PER_PAGE))
        if st.session_state.get("au_page", 1) > pages:  # fewer rows after a new filter
            st.session_state["au_page"] = pages
        page = st.number_input(tr("audit.page"), min_value=1, max_value=pages, value=1, step=1,
                               key="au_page")
        rows, total = audit.search(s, viewer, page=int(page) - 1, per_page=PER_PAGE, **filters)
    if not rows:
        st.caption(tr("audit.none"))
        return
    first = (int(page) - 1) * PER_PAGE + 1
    st.caption(tr("audit.count", total=total, first=first, last=first + len(rows) - 1))
    hidden = tr("audit.redacted")
    st.dataframe(
        [
            {
                tr("admin.col_at"): format_local(r.at),
                tr("admin.col_actor"): r.actor_name,
                tr("admin.col_action"): named("action", r.action),
                tr("admin.col_target"): f"{named('target', r.target_type)} {r.target_id or ''}"
                .strip(),
                tr("admin.col_detail"): hidden if r.action in audit.WELLBEING_ACTIONS
                else (r.detail or ""),
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
    )
