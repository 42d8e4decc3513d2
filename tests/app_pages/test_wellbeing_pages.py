"""AppTest of the wellbeing pages: consent, check-in, support contacts, HR queue, trends."""

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from core import clock
from core.access import viewer_for
from core.config import get_settings
from core.i18n import t
from core.models import ConsentKind
from services import checkin as wd
from services import consent
from services import one_on_one as oo
from tests.conftest import ROOT
from wellbeing.instruments import JOB_ITEMS, K6, WHO5
from wellbeing.texts import SUPPRESSION_NOTICES

REFUSED = t("app.refused")
HIDDEN = SUPPRESSION_NOTICES["small_group"].ja


def _open(user, page: str) -> AppTest:
    """The page script on its own (the router would first run the staff home page)."""
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=30)
    at.session_state["user_id"] = user.id
    return at.run()


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.info] + \
        [m.value for m in at.caption] + [m.value for m in at.subheader]
    return "\n".join(str(p) for p in parts)


def _consent(at, share: bool = False):
    at.checkbox(key="consent_agree").check()
    if share:
        at.checkbox(key="consent_share").check()
    at.button[0].click().run()
    assert not at.exception
    return at


def _answer_severe(at):
    """WHO-5 all まったくない, K6 all いつも (due at the first check-in), job items worst."""
    for i in range(len(WHO5.items)):
        at.radio(key=f"who5_{i}").set_value(0)
    for i in range(len(K6.items)):
        at.radio(key=f"k6_{i}").set_value(4)
    for item in JOB_ITEMS:
        at.radio(key=f"job_{item.id}").set_value(item.keys[-1])
    at.radio(key="job_one_on_one").set_value(False)
    submit = next(b for b in at.button if b.label == t("checkin.submit"))
    submit.click().run()
    assert not at.exception
    return at


def test_consent_screen_comes_first_in_plain_japanese(app_env, make_user):
    staff = make_user("sato", team="東京")
    at = _open(staff, "checkin")
    assert at.title[0].value == t("page.checkin")
    text = "\n".join(m.value for m in at.markdown)
    assert t("consent.what") in text and t("consent.withdraw_note") in text
    assert not at.radio  # no question before consent
    at.button[0].click().run()  # without ticking the box
    assert at.error[0].value == t("consent.must_agree")


def test_severe_answers_show_support_contacts_at_once(app_env, make_user):
    staff = make_user("sato", team="東京")
    at = _consent(_open(staff, "checkin"))
    assert [r.label for r in at.radio][:5] == [item.ja for item in WHO5.items]
    at = _answer_severe(at)
    text = _texts(at)
    for contact in get_settings().support_contacts:
        assert contact.name in text
    assert "0120-565-455" in text
    # the contacts come before the result text, and a button asks for a one-on-one
    assert at.subheader[0].value == t("checkin.support_heading")
    assert any(b.label == t("checkin.ask_one_on_one") for b in at.button)
    ask = at.button(key="ask_one_on_one")
    ask.click().run()
    assert [s.value for s in at.success] == [t("checkin.asked")]


def test_a_mild_week_shows_no_support_block(app_env, make_user):
    staff = make_user("sato", team="東京")
    at = _consent(_open(staff, "checkin"))
    for i in range(5):
        at.radio(key=f"who5_{i}").set_value(4)
    for i in range(6):
        at.radio(key=f"k6_{i}").set_value(0)
    for item in JOB_ITEMS:
        at.radio(key=f"job_{item.id}").set_value(item.keys[0])
    next(b for b in at.button if b.label == t("checkin.submit")).click().run()
    assert not at.exception
    assert t("checkin.support_heading") not in [s.value for s in at.subheader]
    assert t("checkin.result_heading") in [s.value for s in at.subheader]


def test_unanswered_questions_are_refused(app_env, make_user):
    staff = make_user("sato", team="東京")
    at = _consent(_open(staff, "checkin"))
    next(b for b in at.button if b.label == t("checkin.submit")).click().run()
    assert at.error[0].value == t("checkin.err_missing")


def test_consented_flag_reaches_hr_queue(app_env, make_user):
    staff = make_user("sato", team="東京", display_name="佐藤 優子")
    hr = make_user("hr", role="hr")
    _answer_severe(_consent(_open(staff, "checkin"), share=True))
    at = _open(hr, "one_on_one")
    assert not at.exception
    assert "佐藤 優子" in _texts(at)
    urgent = t("one_on_one.level", level=t("one_on_one.level_urgent"))
    assert any(urgent in m.value for m in at.markdown)


def test_shared_afterwards_by_the_person_reaches_hr(app_env, make_user):
    staff = make_user("sato", team="東京", display_name="佐藤 優子")
    hr = make_user("hr", role="hr")
    at = _answer_severe(_consent(_open(staff, "checkin")))
    at.button(key="share_flag").click().run()
    assert t("checkin.shared") in [c.value for c in at.caption]
    assert "佐藤 優子" in _texts(_open(hr, "one_on_one"))


def test_unconsented_flag_does_not_reach_hr(app_env, make_user):
    staff = make_user("sato", team="東京", display_name="佐藤 優子")
    hr = make_user("hr", role="hr")
    _answer_severe(_consent(_open(staff, "checkin"), share=False))
    at = _open(hr, "one_on_one")
    assert not at.exception
    assert "佐藤 優子" not in _texts(at)
    assert at.info[0].value == t("one_on_one.empty")


def test_trends_page_hides_a_small_team(app_env, make_user, session):
    last_week = clock.local_today() - timedelta(days=7)
    teams = {"大きい": 5, "小さいA": 3, "小さいB": 2}
    for team, n in teams.items():
        for i in range(n):
            user = make_user(f"{team}_{i}", team=team)
            v = viewer_for(session, user)
            consent.give_consent(session, v, ConsentKind.wellbeing)
            wd.save_checkin(session, v, {"who5": [3] * 5, "k6": [1] * 6, "job": {}}, last_week,
                            scenario_ids=frozenset())
    session.commit()
    hr = make_user("hr", role="hr")
    at = _open(hr, "trends")
    assert not at.exception
    hidden = at.dataframe[0].value
    assert set(hidden.iloc[:, 1]) == {"小さいA", "小さいB"}
    assert set(hidden.iloc[:, 2]) == {HIDDEN}
    table = at.dataframe[1].value  # as HR reads it: Japanese headers, formatted values
    team, n, who5 = t("trends.col_team"), t("trends.col_n"), t("trends.who5_mean")
    big = table[table[team] == "大きい"].iloc[0]
    assert big[n] == "5" and big[who5] == "60.0"
    small = table[table[team] == "小さいA"].iloc[0]
    assert small[t("trends.col_note")] == HIDDEN and small[who5] == "" and small[n] == ""


@pytest.mark.parametrize("page", ["trends", "one_on_one"])
def test_staff_cannot_open_hr_pages(app_env, make_user, page):
    staff = make_user("sato", team="東京")
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=30)
    at.session_state["user_id"] = staff.id
    at.run()
    assert at.error[0].value == REFUSED
    assert len(at.main.children) <= 2


@pytest.mark.parametrize("page", ["checkin", "trends", "one_on_one", "incidents"])
def test_trainer_sees_no_wellbeing_page(app_env, make_user, page):
    trainer = make_user("trainer", role="trainer", team="東京")
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=30)
    at.session_state["user_id"] = trainer.id
    at.run()
    assert at.error[0].value == REFUSED


def test_incident_report_by_staff_and_worked_by_hr(app_env, make_user):
    staff = make_user("sato", team="東京")
    hr = make_user("hr", role="hr")
    at = _open(staff, "incidents")
    at.text_area[0].input("30分以上大声で怒鳴られた。")
    at.button[0].click().run()
    assert not at.exception
    assert at.success[0].value == t("incidents.reported")
    assert "30分以上大声で怒鳴られた。" in [m.value for m in at.markdown]
    at = _open(hr, "incidents")
    assert "30分以上大声で怒鳴られた。" in [m.value for m in at.markdown]
    at.selectbox[0].set_value("in_progress")
    at.text_area[0].input("上長が記録を確認")
    at.button[0].click().run()
    assert at.success[0].value == t("incidents.saved")


def test_hr_schedules_a_one_on_one_and_the_person_sees_the_status(app_env, make_user, session):
    staff = make_user("sato", team="東京", display_name="佐藤 優子")
    hr = make_user("hr", role="hr", display_name="人事 花子")
    v = viewer_for(session, staff)
    consent.give_consent(session, v, ConsentKind.wellbeing)
    oo.request_one_on_one(session, v)
    session.commit()
    at = _open(hr, "one_on_one")
    assert "佐藤 優子" in _texts(at)
    assert at.caption[1].value == t("one_on_one.level_hidden")
    at.selectbox[0].set_value("scheduled")
    at.selectbox[1].set_value(hr.id)
    at.text_area[0].input("水曜の午後に")
    at.button[0].click().run()
    assert not at.exception
    assert at.success[0].value == t("one_on_one.saved_as", person="佐藤 優子",
                                    status=t("one_on_one.status_scheduled"))
    [mine] = oo.my_one_on_ones(session, v)
    assert mine.status == "scheduled"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_refused_report_shows_the_catalogue_message_in_the_viewers_language(
        app_env, make_user, lang):
    staff = make_user("sato", team="東京")
    at = AppTest.from_file(str(ROOT / "app_pages" / "incidents.py"), default_timeout=30)
    at.session_state["user_id"] = staff.id
    at.session_state["lang"] = lang
    at.run()
    at.button[0].click().run()  # no description
    assert not at.exception
    assert [e.value for e in at.error] == [t("incidents.err_description", lang)]
