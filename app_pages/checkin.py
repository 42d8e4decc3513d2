"""Staff: the weekly check-in — consent first, then WHO-5 (K6 every 4 weeks), job items,
one-on-one wish and free text; right after submitting, the person's own result in kind words,
their trend, self-care tips, and — when it is urgent — the support contacts at once."""


import altair as alt
import pandas as pd
import streamlit as st

from core import access, clock
from core.config import get_settings
from core.errors import WellbeingError
from core.models import ConsentKind
from services import checkin as wd
from services import consent
from services import one_on_one as oo
from ui import shell
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

viewer = shell.require_page("checkin")
st.title(shell.tr("page.checkin"))
lang = shell.lang()
today = clock.local_today()
EDIT = "checkin_edit"

with shell.session() as s:
    state = wd.checkin_state(s, viewer, today)
    consents = consent.consent_status(s, viewer.id)


def show_error(e: Exception) -> None:
    if isinstance(e, WellbeingError):
        st.error(shell.tr(e.key, **e.values))
    else:
        st.error(str(e))


def consent_screen() -> None:
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


def manage_consent() -> None:
    with st.expander(shell.tr("consent.manage")):
        on, off = shell.tr("consent.on"), shell.tr("consent.off")
        st.write(shell.tr("consent.status_wellbeing",
                       state=on if consents[ConsentKind.wellbeing] else off))
        st.write(shell.tr("consent.status_share", state=on if consents[ConsentKind.share_flags] else off))
        change = None
        if consents[ConsentKind.share_flags]:
            if st.button(shell.tr("consent.withdraw_share"), key="withdraw_share"):
                change = ("withdraw", ConsentKind.share_flags)
        elif st.button(shell.tr("consent.give_share"), key="give_share"):
            change = ("give", ConsentKind.share_flags)
        if st.button(shell.tr("consent.withdraw_wellbeing"), key="withdraw_wellbeing"):
            change = ("withdraw", ConsentKind.wellbeing)
        if change:
            with shell.session() as s:
                (consent.withdraw_consent if change[0] == "withdraw" else consent.give_consent)(
                    s, viewer, change[1])
                s.commit()
            st.rerun()


def radio(label: str, options: list, labels: dict, key: str, current=None):
    index = options.index(current) if current in options else None
    return st.radio(label, options, index=index, format_func=lambda v: labels[v],
                    horizontal=True, key=key)


def checkin_form() -> None:
    existing = state.existing
    job_before = (existing.job or {}) if existing else {}
    st.caption(shell.tr("checkin.week", week=state.week.isoformat()) + " · " + shell.tr("checkin.intro"))
    if existing:
        st.info(shell.tr("checkin.editing"))
    with st.form("checkin"):
        st.markdown(f"**{WHO5.stem.get(lang)}**")
        who5_labels = {c.value: c.label.get(lang) for c in WHO5.choices}
        who5 = [radio(item.get(lang), list(who5_labels), who5_labels, f"who5_{i}",
                      existing.who5[i] if existing else None)
                for i, item in enumerate(WHO5.items)]
        k6 = None
        if state.k6_due:
            st.divider()
            st.caption(shell.tr("checkin.k6_intro"))
            st.markdown(f"**{K6.stem.get(lang)}**")
            k6_labels = {c.value: c.label.get(lang) for c in K6.choices}
            k6 = [radio(item.get(lang), list(k6_labels), k6_labels, f"k6_{i}",
                        existing.k6[i] if existing and existing.k6 else None)
                  for i, item in enumerate(K6.items)]
        st.divider()
        st.markdown(f"**{shell.tr('checkin.job_heading')}**")
        job = {}
        for item in JOB_ITEMS:
            labels = {lv.key: lv.label.get(lang) for lv in item.levels}
            job[item.id] = radio(item.question.get(lang), list(labels), labels, f"job_{item.id}",
                                 job_before.get(item.id))
        kinds = st.multiselect(HARASSMENT_KINDS_QUESTION.get(lang), list(HARASSMENT_KINDS),
                               placeholder=shell.tr("app.choose"),
                               default=job_before.get("harassment_kinds", []),
                               format_func=lambda k: HARASSMENT_KINDS[k].get(lang), key="job_kinds")
        one_labels = {v: t.get(lang) for v, t in ONE_ON_ONE_CHOICES.items()}
        one = radio(ONE_ON_ONE_QUESTION.get(lang), [False, True], one_labels, "job_one_on_one",
                    existing.wants_one_on_one if existing else False)
        free = st.text_area(FREE_TEXT_PROMPT.get(lang), value=(existing.free_text or "") if existing
                            else "", max_chars=MAX_FREE_TEXT_CHARS, key="free_text")
        label = shell.tr("checkin.update" if existing else "checkin.submit")
        if not st.form_submit_button(label, type="primary"):
            return
    if None in who5 or (k6 is not None and None in k6) or None in job.values() or one is None:
        st.error(shell.tr("checkin.err_missing"))
        return
    job["harassment_kinds"] = kinds if job[HARASSMENT.id] != HARASSMENT.keys[0] else []
    job["one_on_one"], job["free_text"] = bool(one), free
    try:
        with shell.session() as s:
            wd.save_checkin(s, viewer, {"who5": who5, "k6": k6, "job": job}, today)
            s.commit()
    except (WellbeingError, ValueError) as e:
        show_error(e)
        return
    st.session_state[EDIT] = False
    st.rerun()


def support_contacts() -> None:
    with st.container(border=True):
        st.subheader(shell.tr("checkin.support_heading"))
        st.write(shell.tr("checkin.support_intro"))
        for c in get_settings().support_contacts:
            lines = [f"**{c.name}**"]
            if c.phone:
                lines.append(shell.tr("checkin.support_phone", phone=c.phone))
            if c.hours:
                lines.append(shell.tr("checkin.support_hours", hours=c.hours))
            if c.url:
                lines.append(c.url)
            st.markdown("  \n".join(lines))


def ask_button(result: wd.CheckInResult, requests: list[oo.MyRequest]) -> None:
    waiting = [r for r in requests if r.status in ("open", "scheduled")]
    if waiting:
        st.caption(shell.tr("checkin.already_asked",
                         status=shell.tr(f"one_on_one.status_{waiting[0].status}")))
        return
    if st.button(shell.tr("checkin.ask_one_on_one"), type="primary", key="ask_one_on_one"):
        with shell.session() as s:
            oo.request_one_on_one(s, viewer, result.flag.id if result.flag else None)
            s.commit()
        st.success(shell.tr("checkin.asked"))


def share_option(result: wd.CheckInResult, shared: bool) -> None:
    if result.flag is None or result.flag.level == "none":
        return
    with st.container(border=True):
        if shared:
            st.caption(shell.tr("checkin.shared"))
            return
        st.markdown(f"**{shell.tr('checkin.share_heading')}**")
        st.caption(shell.tr("checkin.share_explain"))
        reasons = {r["code"]: r[lang] if lang in r else r["ja"] for r in result.flag.reasons}
        chosen = st.multiselect(shell.tr("checkin.share_reasons"), list(reasons),
                                placeholder=shell.tr("app.choose"),
                                default=list(reasons), format_func=reasons.get, key="share_codes")
        if st.button(shell.tr("checkin.share_button"), key="share_flag"):
            with shell.session() as s:
                wd.share_flag(s, viewer, result.flag.id, chosen)
                s.commit()
            st.rerun()


def own_trend(checkins) -> None:
    st.subheader(shell.tr("checkin.trend_heading"))
    frame = pd.DataFrame([{"week": c.week_start.isoformat(), "who5": c.who5_pct, "k6": c.k6_total}
                          for c in checkins])
    x = alt.X("week:T", title=shell.tr("checkin.trend_week"))
    who5 = alt.Chart(frame).mark_line(point=True).encode(
        x=x, y=alt.Y("who5:Q", title=shell.tr("checkin.trend_who5"), scale=alt.Scale(domain=[0, 100])),
        tooltip=["week:T", "who5:Q"])
    st.altair_chart(who5, width="stretch")
    k6 = frame.dropna(subset=["k6"])
    if len(k6) > 0:
        chart = alt.Chart(k6).mark_bar(size=14).encode(
            x=x, y=alt.Y("k6:Q", title=shell.tr("checkin.trend_k6"), scale=alt.Scale(domain=[0, 24])),
            tooltip=["week:T", "k6:Q"])
        st.altair_chart(chart.properties(height=160), width="stretch")


def result_view() -> None:
    with shell.session() as s:
        result = wd.checkin_result(s, viewer, state.existing)
        history = wd.my_checkins(s, viewer)
        requests = oo.my_one_on_ones(s, viewer)
        shared = result.flag is not None and access.flag_is_shared(s, result.flag)
    fb = result.feedback
    if fb.show_support_contacts:  # at once, above everything else
        support_contacts()
        ask_button(result, requests)
    st.subheader(shell.tr("checkin.result_heading"))
    st.info(fb.message.get(lang))
    if not fb.show_support_contacts and requests:
        ask_button(result, requests)
    share_option(result, shared)
    st.subheader(shell.tr("checkin.tips_heading"))
    for tip in fb.tips:
        st.markdown(f"- {tip.get(lang)}")
    if state.existing.harassment_count:
        st.caption(shell.tr("checkin.harassment_hint"))
    own_trend(history)
    if st.button(shell.tr("checkin.edit"), key="edit_checkin"):
        st.session_state[EDIT] = True
        st.rerun()


if not state.consented:
    consent_screen()
    st.stop()
if state.existing is None or st.session_state.get(EDIT):
    checkin_form()
else:
    result_view()
manage_consent()
