"""The web entry point: ``streamlit run app.py`` (what ``make run`` starts).

An ``st.App`` around the Streamlit script ``streamlit_app.py`` that adds the two small routes of
reload-proof logins (``core.sessions``): ``/api/session`` turns the login form's one-time ticket
into an HttpOnly cookie, ``/api/logout`` ends the session and drops the cookie. The script
itself is unchanged and still runs on its own (``streamlit run streamlit_app.py``, AppTest),
then with logins that last as long as the browser tab.
"""

import streamlit as st

from core import sessions

sessions.COOKIE_ROUTES = True
app = st.App("streamlit_app.py", routes=sessions.routes())
