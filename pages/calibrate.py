"""Placeholder until the page's issue lands: guarded like every page."""

import streamlit as st

from core import ui

viewer = ui.require_page("calibrate")
st.title(ui.tr("page.calibrate"))
