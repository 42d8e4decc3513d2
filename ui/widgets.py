"""Widgets shared by pages: plain text in Markdown, the answer recorder (microphone or upload),
analysing with a visible status, an attempt's analysis state, and one result's feedback
(score breakdown, highlighted transcript, charts). Pages pass typed results
(``analysis.result.AnalysisResult``); nothing here reads a stored dict.
"""

from __future__ import annotations

import streamlit as st

from analysis.result import AnalysisResult
from analysis.score import Baseline
from core import storage
from core.models import Attempt, AttemptStatus
from scenarios.schema import TAG_EN, Scenario, Turn
from services import catalogue, practice
from ui import charts
from ui.shell import lang, tr

#: Markdown and HTML specials: escaped, user text shows as typed and never as formatting.
MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|$~<>=:&")
HIGHLIGHT = {"hit": "green", "ng": "red", "filler": "orange"}
MIME = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg", ".mp3": "audio/mpeg"}


def group_text(text: str | None) -> str:
    """A phrase group's label or tip, or a feedback text quoting group labels, in the UI's
    language: in English the catalogue's ``label_en`` / ``tip_en``, looked up when shown."""
    return catalogue.english_group_labels(text) if lang() == "en" else text or ""


def escape(text: str | None) -> str:
    """``text`` as inert plain text inside ``st.markdown``: the ONE helper for every text a
    person wrote (names, incidents, comments, reasons, check-in free text, transcripts).

    Every Markdown and HTML special is backslash-escaped — no heading, table, link, image
    (fetched from another address), LaTeX (``$``), colour or icon (``:red[…]``, ``:x:``),
    entity (``&``) or autolink (``http\\://``) — and a line break stays a line break."""
    out = "".join("\\" + c if c in MARKDOWN_SPECIALS else c for c in text or "")
    return out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "  \n")


def recorder(counter_key: str, *, record_label: str, upload_label: str, submit_label: str,
             submit_icon: str):
    """Record an answer in the browser (16 kHz) or upload a file, retake, submit.

    Returns the chosen file when the submit button is pressed with audio, else None. The
    widgets are keyed by the counter ``st.session_state[counter_key]``: raising it (retake, or
    after a stored submission) gives fresh, empty widgets.
    """
    n = st.session_state.setdefault(counter_key, 0)
    recorded = st.audio_input(record_label, sample_rate=16000, key=f"{counter_key}_mic_{n}")
    mb = practice.MAX_UPLOAD_BYTES // (1024 * 1024)  # the drop zone's own "Limit … per file"
    uploaded = st.file_uploader(upload_label, type=[x.lstrip(".") for x in practice.AUDIO_SUFFIXES],
                                key=f"{counter_key}_file_{n}", max_upload_size=mb,
                                help=tr("upload.audio_help", mb=mb))
    chosen = recorded or uploaded
    retake, submit = st.columns(2)
    if retake.button(tr("practice.retake"), icon=":material/replay:", disabled=chosen is None,
                     key=f"{counter_key}_retake"):
        st.session_state[counter_key] += 1
        st.rerun()
    if submit.button(submit_label, type="primary", icon=submit_icon, key=f"{counter_key}_submit"):
        if chosen is None:
            st.warning(tr("practice.need_audio"))
            return None
        return chosen
    return None


# --------------------------------------------------------------------------- a scenario


def scenario_brief(entry: practice.CatalogueEntry, turn: Turn) -> None:
    """What the trainee knows before answering: their status on the scenario, its channel and
    tags, the harassment-training notice, the persona, the situation and the refund limit."""
    scenario = entry.scenario
    en = lang() == "en"
    status = tr("practice.marker_done" if entry.done else
                "practice.marker_tried" if entry.tried else "practice.marker_new")
    if entry.calls:  # "passed" counts whole calls (bands.toml [call]), not single answers
        status += "・" + tr("practice.best_calls", calls=entry.calls, passed=entry.passed_calls)
    if entry.best_score is not None:
        status += "・" + tr("practice.best", score=entry.best_score, n=entry.attempts)
    st.caption(status)
    channel = tr("practice.channel_video" if scenario.channel == "video" else "practice.channel_phone")
    tags = [TAG_EN.get(t, t) for t in scenario.tags] if en else list(scenario.tags)
    st.caption(f"{channel}・" + tr("practice.tags", tags=(", " if en else "、").join(tags)))
    if scenario.harassment:
        st.info(tr("practice.harassment"), icon=":material/shield:")
    mood = scenario.persona.mood_en or scenario.persona.mood if en else scenario.persona.mood
    st.markdown(tr("practice.persona", name=scenario.persona.name, mood=mood))
    with st.container(border=True):
        st.markdown(f"**{tr('practice.situation')}**")
        st.markdown(escape(scenario.situation.strip()).replace("\n", "  \n"))
    limit = practice.authority_limit(scenario, turn)
    if limit is not None:
        st.info(tr("practice.authority", yen=f"{limit:,}"), icon=":material/gavel:")
    else:
        st.caption(tr("practice.authority_none"))


def turn_title(scenario: Scenario | None, turn_id: str | None, width: int = 28) -> str:
    """A turn as people know it: the start of the customer's line (never its id)."""
    try:
        line = scenario.turn(turn_id).customer if scenario is not None and turn_id else ""
    except KeyError:
        line = ""
    if not line:
        return "—"
    return line if len(line) <= width else line[: width - 1] + "…"


def customer_line(scenario: Scenario, turn: Turn) -> None:
    """The customer's line as text and as audio (synthesised on first use)."""
    with st.chat_message("user", avatar=":material/support_agent:"):
        st.markdown(f"**{tr('practice.customer_says')}**: {escape(turn.customer)}")
        try:
            path = practice.voice_path(scenario, turn, render=False)
            if path is None and not _immediate():  # a worker renders it; shown when ready
                from ui import jobs as job_ui

                job_ui.customer_voice(scenario, turn)
                return
            # No worker (immediate mode): synthesise on first use.
            asked = False
            if path is None and st.button(tr("practice.voice_play"), key=f"voice_{turn.id}",
                                          icon=":material/volume_up:"):
                with st.status(tr("practice.voice_rendering")) as box:
                    path = practice.voice_path(scenario, turn)
                    box.update(label=tr("practice.voice_ready"), state="complete")
                asked = True  # they pressed "hear the customer": play it, no second press
            if path is not None:
                st.audio(path.read_bytes(), format="audio/wav", autoplay=asked)
        except Exception:  # noqa: BLE001 - the text is enough to practise
            st.warning(tr("practice.voice_failed"))



# --------------------------------------------------------------------------- analysing


def stage_label(stage: str) -> str:
    key = practice.STAGE_KEYS.get(stage)
    return tr(key) if key else tr("practice.stage_other", stage=stage)


def _immediate() -> bool:
    from core import queue

    return queue.is_immediate()


def analyse_with_status(attempt_id: int) -> Attempt:
    """Queue the analysis of a stored attempt and return the attempt as it is now. A worker
    process analyses it (the page shows its progress with ``ui.jobs.waiting``); without one
    (``DOJO_QUEUE_URL=immediate``) it is analysed here, in a status box."""
    from ui import jobs as job_ui
    from ui.shell import session

    if not _immediate():
        job_ui.queue_analysis(attempt_id)
    else:
        from core.jobs import listening

        with st.status(tr("practice.analysing"), expanded=True) as box, \
                listening(lambda stage: box.write(stage_label(stage))):
            job_ui.queue_analysis(attempt_id)
            with session() as s:
                failed = s.get(Attempt, attempt_id).status == AttemptStatus.failed
            box.update(label=tr("practice.analysis_failed" if failed else "practice.analysed"),
                       state="error" if failed else "complete", expanded=False)
    with session() as s:
        return s.get(Attempt, attempt_id)


def analysis_state(attempt: Attempt, *, retry_key: str) -> bool:
    """Say why an attempt has no feedback (failed, no speech, not analysed yet) and offer a
    retry when the recording can be analysed again. True when it was analysed with speech."""
    if attempt.status == AttemptStatus.done:
        return True
    if attempt.status == AttemptStatus.no_speech:
        st.warning(tr("practice.no_speech"))
        st.caption(tr("practice.no_speech_hint"))
        return False
    if attempt.status == AttemptStatus.failed:
        st.error(tr("practice.failed"))
        if attempt.error:
            st.caption(tr("practice.failed_detail", error=attempt.error))
    else:  # stored or analysing: its job's live progress, else (nothing queued) a retry
        from ui import jobs as job_ui

        if job_ui.waiting(attempt):
            return False
        st.info(tr("practice.still_stored"))
    if st.button(tr("practice.retry"), key=retry_key, icon=":material/refresh:"):
        from ui import jobs as job_ui

        job_ui.retry(None, attempt.id)  # queued again (a worker analyses it)
        st.rerun()
    return False


def play_recording(attempt: Attempt, *, start_s: float = 0.0, caption: str | None = None) -> bool:
    """The attempt's recording in a player (from ``start_s``); False when it is missing."""
    try:
        data = storage.read_recording(attempt.audio_path)
    except (OSError, ValueError):
        return False
    if caption:
        st.caption(caption)
    suffix = "." + attempt.audio_path.rsplit(".", 1)[-1].lower() if "." in attempt.audio_path else ""
    st.audio(data, format=MIME.get(suffix, "audio/wav"), start_time=start_s,
             autoplay=start_s > 0)
    return True


# --------------------------------------------------------------------------- one result


def render_breakdown(result: AnalysisResult | None, *, heading: str = "practice.breakdown",
                     empty: str | None = None) -> None:
    """The score's items, points lost first, each lost item with its one tip."""
    st.markdown(f"**{tr(heading)}**")
    items = result.breakdown if result is not None else []
    if not items and empty:
        st.caption(tr(empty))
    for item in items:
        lost = max(1, round(item.points))  # whole points (a loss never shows as 0)
        badge = (f":red[{tr('practice.lost', points=lost)}]" if item.points > 0
                 else f":green[{tr('practice.ok')}]")
        st.markdown(f"{badge}　{escape(group_text(item.explanation(lang())))}")
        if item.points > 0 and item.tip(lang()):
            st.caption(tr("practice.tip", tip=group_text(item.tip(lang()))))


def render_transcript(result: AnalysisResult | None) -> None:
    """The transcript with rubric hits, NG phrases and fillers highlighted."""
    st.markdown(f"**{tr('practice.transcript')}**")
    pieces = practice.transcript_pieces(result)
    if not pieces:
        st.caption(tr("practice.empty_transcript"))
        return
    st.markdown("".join(f":{HIGHLIGHT[p.kind]}-background[{escape(p.text)}]" if p.kind
                        else escape(p.text) for p in pieces))
    st.caption(tr("practice.legend"))
    marks = practice.clause_marks(result)
    if marks:  # which intent each clause expressed (the recogniser's evidence)
        st.markdown(f"**{tr('practice.clauses')}**")
        st.markdown("\n".join(
            "- 「" + escape(m.text) + "」 → " + "、".join(
                f":{'red' if kind == 'ng' else 'green'}[{escape(group_text(label))}]"
                for label, kind in m.intents)
            for m in marks))
    for g in practice.missed_groups(result):
        label = group_text(g.label)
        st.caption(tr("practice.closest", label=label, closest=g.closest) if g.closest
                   else tr("practice.closest_none", label=label))


def result_charts(result: AnalysisResult, baseline: Baseline | None, *,
                  explain: bool = True) -> bool:
    """Pitch, pace and pauses of one answer (with headings and captions when ``explain``);
    False when there was nothing to draw."""
    shown = False
    pitch = charts.pitch_chart(result, baseline, lang=lang())
    if pitch is not None:
        if explain:
            st.markdown(f"**{tr('practice.pitch')}**")
        st.altair_chart(pitch, width="stretch")
        if explain:
            st.caption(tr("practice.pitch_caption" if baseline else "practice.pitch_no_baseline"))
        shown = True
    pace = charts.pace_chart(result, baseline, lang=lang())
    if pace is not None:
        if explain:
            st.markdown(f"**{tr('practice.pace')}**　"
                        + tr("practice.unit_morae", value=result.metrics.morae_per_s_span))
        st.altair_chart(pace, width="stretch")
        if explain:
            low, high = charts.good_range("pace")
            st.caption(tr("practice.pace_caption", low=low or 0, high=high or 0))
        shown = True
    pauses = charts.pauses_chart(result, lang=lang())
    if pauses is not None:
        if explain:
            st.markdown(f"**{tr('practice.pauses')}**")
        st.altair_chart(pauses, width="stretch")
        if explain:
            st.caption(tr("practice.pauses_caption"))
        shown = True
    return shown


def render_feedback(fb: practice.AttemptFeedback) -> None:
    """One attempt's feedback, whatever its status (a retry when it was not analysed)."""
    a, result = fb.attempt, fb.result
    if not analysis_state(a, retry_key=f"retry_{a.id}") or result is None:
        return
    cols = st.columns(3)
    cols[0].metric(tr("practice.score"), tr("practice.score_value", score=a.score))
    if result.score is not None:
        s = result.score
        if s.content_max:
            cols[1].metric(tr("practice.content"), tr(
                "practice.points_of", points=round(s.content or 0), max=round(s.content_max)))
        cols[2].metric(tr("practice.delivery"), tr(
            "practice.points_of", points=round(s.delivery or 0), max=round(s.delivery_max or 0)))
    mark = int(fb.verdict.pass_mark or 0)
    if fb.verdict.passed:
        st.success(tr("practice.passed", mark=mark))
    else:
        st.warning(tr("practice.not_passed", mark=mark))
    render_breakdown(result)
    render_transcript(result)
    result_charts(result, fb.baseline)
    if fb.turn is not None:
        with st.expander(tr("practice.model_answer")):
            st.write(fb.turn.model_answer)
    st.caption(tr("practice.engine", engine=a.engine or "", version=a.analysis_version or ""))
