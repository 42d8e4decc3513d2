"""Streamlit glue shared by the router and the pages: session and login (:mod:`ui.shell`),
shared widgets (:mod:`ui.widgets`) and every Altair chart (:mod:`ui.charts`). Imports no sqlmodel
beyond the session type that pages pass to services."""
