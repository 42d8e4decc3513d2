"""The parts of the check-in page (``app_pages/checkin.py``): the consent screen, managing
consent, the check-in form, the support contacts and the result's actions. Each part reads its
widgets and calls one service; refusals are shown by :func:`ui.shell.show_refusal`."""

from __future__ import annotations

import streamlit as st

from core import clock
from core.access import Viewer
from core.config import get_settings
from core.errors import Refusal
from core.models import ConsentKind, utcnow
from services import checkin as wd
from services import consent
from services import one_on_one as oo
from ui import shell
from wellbeing import flags, hours
from wellbeing.instruments import (
    FREE_TEXT_PROMPT,
    HARASSMENT,
    HARASSMENT_KINDS,
    HARASSMENT_KINDS_QUESTION,
    JOB_ITEMS,
    K6,
    MAX_FREE_TEXT_CHARS,
    ONE_ON_ONE_CHOICES,
    ONE_ON_ONE_QUESTION,
    WHO5,
)


def consent_screen(viewer: Viewer) -> None:
    st.subheader(shell.tr("consent.heading"))
    st.write(shell.tr("consent.what"))
    st.write(shell.tr("consent.why"))
    st.write(shell.tr("consent.who", n=get_settings().min_group_size))
    st.write(shell.tr("consent.withdraw_note"))
    with st.form("consent"):
        agree = st.checkbox(shell.tr("consent.agree"), key="consent_agree")
        share = st.checkbox(shell.tr("consent.share_standing"), key="consent_share")
        if st.form_submit_button(shell.tr("consent.submit"), type="primary"):
            if not agree:
                st.error(shell.tr("consent.must_agree"))
                return
            with shell.session() as s:
                consent.give_consent(s, viewer, ConsentKind.wellbeing)
                if share:
                    consent.give_consent(s, viewer, ConsentKind.share_flags)
                s.commit()
            st.rerun()


def manage_consent(viewer: Viewer, consents: dict[ConsentKind, bool]) -> None:
    with st.expander(shell.tr("consent.manage")):
        on, off = shell.tr("consent.on"), shell.tr("consent.off")
        st.write(shell.tr("consent.status_wellbeing",
                          state=on if consents[ConsentKind.wellbeing] else off))
        st.write(shell.tr("consent.status_share",
                          state=on if consents[ConsentKind.share_flags] else off))
        change = None
        if consents[ConsentKind.share_flags]:
            if st.button(shell.tr("consent.withdraw_share"), key="withdraw_share"):
                change = ("withdraw", ConsentKind.share_flags)
        elif st.button(shell.tr("consent.give_share"), key="give_share"):
            change = ("give", ConsentKind.share_flags)
        st.caption(shell.tr("consent.withdraw_note"))  # what a withdrawal does (APPI)
        if st.button(shell.tr("consent.withdraw_wellbeing"), key="withdraw_wellbeing"):
            change = ("withdraw", ConsentKind.wellbeing)
        if change:
            with shell.session() as s:
                (consent.withdraw_consent if change[0] == "withdraw" else consent.give_consent)(
                    s, viewer, change[1])
                s.commit()
            st.rerun()


def _radio(label: str, options: list, labels: dict, key: str, current=None):
    index = options.index(current) if current in options else None
    return st.radio(label, options, index=index, format_func=lambda v: labels[v],
                    horizontal=True, key=key)


def checkin_form(viewer: Viewer, state: wd.CheckInState, today) -> bool:
    """The form; True when the answers were saved (the page then reruns)."""
    lang = shell.lang()
    existing = state.existing
    job_before = (existing.job or {}) if existing else {}
    st.caption(shell.tr("checkin.week", week=state.week.isoformat()) + " · "
               + shell.tr("checkin.intro"))
    if existing:
        st.info(shell.tr("checkin.editing"))
    with st.form("checkin"):
        st.markdown(f"**{WHO5.stem.get(lang)}**")
        who5_labels = {c.value: c.label.get(lang) for c in WHO5.choices}
        who5 = [_radio(item.get(lang), list(who5_labels), who5_labels, f"who5_{i}",
                       existing.who5[i] if existing else None)
                for i, item in enumerate(WHO5.items)]
        k6 = None
        if state.k6_due:
            st.divider()
            st.caption(shell.tr("checkin.k6_intro"))
            st.markdown(f"**{K6.stem.get(lang)}**")
            k6_labels = {c.value: c.label.get(lang) for c in K6.choices}
            k6 = [_radio(item.get(lang), list(k6_labels), k6_labels, f"k6_{i}",
                         existing.k6[i] if existing and existing.k6 else None)
                  for i, item in enumerate(K6.items)]
        st.divider()
        st.markdown(f"**{shell.tr('checkin.job_heading')}**")
        job = {}
        for item in JOB_ITEMS:
            labels = {lv.key: lv.label.get(lang) for lv in item.levels}
            job[item.id] = _radio(item.question.get(lang), list(labels), labels,
                                  f"job_{item.id}", job_before.get(item.id))
        kinds = st.multiselect(HARASSMENT_KINDS_QUESTION.get(lang), list(HARASSMENT_KINDS),
                               placeholder=shell.tr("app.choose"),
                               default=job_before.get("harassment_kinds", []),
                               format_func=lambda k: HARASSMENT_KINDS[k].get(lang),
                               key="job_kinds")
        one_labels = {v: t.get(lang) for v, t in ONE_ON_ONE_CHOICES.items()}
        one = _radio(ONE_ON_ONE_QUESTION.get(lang), [False, True], one_labels, "job_one_on_one",
                     existing.wants_one_on_one if existing else False)
        free = st.text_area(FREE_TEXT_PROMPT.get(lang), value=(existing.free_text or "")
                            if existing else "", max_chars=MAX_FREE_TEXT_CHARS, key="free_text")
        label = shell.tr("checkin.update" if existing else "checkin.submit")
        if not st.form_submit_button(label, type="primary"):
            return False
    if None in who5 or (k6 is not None and None in k6) or None in job.values() or one is None:
        st.error(shell.tr("checkin.err_missing"))
        return False
    job["harassment_kinds"] = kinds if job[HARASSMENT.id] != HARASSMENT.keys[0] else []
    job["one_on_one"], job["free_text"] = bool(one), free
    try:
        with shell.session() as s:
            wd.save_checkin(s, viewer, {"who5": who5, "k6": k6, "job": job}, today)
            s.commit()
    except Refusal as e:
        shell.show_refusal(e)
        return False
    return True


def support_contacts() -> None:
    """The configured contacts, those open now first, each marked open or closed now (company
    time; ``wellbeing.hours``)."""
    with st.container(border=True):
        st.subheader(shell.tr("checkin.support_heading"))
        st.write(shell.tr("checkin.support_intro"))
        now = clock.to_local(utcnow())
        marked = hours.open_first(get_settings().support_contacts, now)
        if not hours.any_open(o for _c, o in marked):
            st.warning(shell.tr("checkin.support_none_open"))
        for c, open_now in marked:
            state = {True: "checkin.support_open_now", False: "checkin.support_closed_now",
                     None: None}[open_now]
            lines = [f"**{c.name}**" + (f"　{shell.tr(state)}" if state else "")]
            if c.phone:
                lines.append(shell.tr("checkin.support_phone", phone=c.phone))
            if c.hours:
                lines.append(shell.tr("checkin.support_hours", hours=c.hours))
            if c.url:
                lines.append(c.url)
            st.markdown("  \n".join(lines))


def ask_button(viewer: Viewer, result: wd.CheckInResult, requests: list[oo.MyRequest]) -> None:
    waiting = [r for r in requests if r.status in ("open", "scheduled")]
    if waiting:
        st.caption(shell.tr("checkin.already_asked",
                            status=shell.tr(f"one_on_one.status_{waiting[0].status}")))
        return
    if st.button(shell.tr("checkin.ask_one_on_one"), type="primary", key="ask_one_on_one"):
        try:
            with shell.session() as s:
                oo.request_one_on_one(s, viewer, result.flag.id if result.flag else None)
                s.commit()
        except Refusal as e:
            shell.show_refusal(e)
            return
        st.success(shell.tr("checkin.asked"))


def share_option(viewer: Viewer, result: wd.CheckInResult) -> None:
    if result.flag is None or result.flag.level == "none":
        return
    lang = shell.lang()
    with st.container(border=True):
        if result.shared:
            st.caption(shell.tr("checkin.shared"))
            return
        st.markdown(f"**{shell.tr('checkin.share_heading')}**")
        st.caption(shell.tr("checkin.share_explain"))
        # one reason per kind (K6 ≥ 13 says what K6 ≥ 10 would), each a checkbox: long texts wrap
        reasons = {r["code"]: r[lang] if lang in r else r["ja"]
                   for r in flags.most_severe_of_each_kind(result.flag.reasons)}
        st.markdown(shell.tr("checkin.share_reasons"))
        chosen = [code for code, text in reasons.items()
                  if st.checkbox(text, value=True, key=f"share_code_{code}")]
        if st.button(shell.tr("checkin.share_button"), key="share_flag"):
            try:
                with shell.session() as s:
                    wd.share_flag(s, viewer, result.flag.id, chosen)
                    s.commit()
            except Refusal as e:
                shell.show_refusal(e)
                return
            st.rerun()
