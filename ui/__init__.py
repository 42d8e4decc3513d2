"""Streamlit glue shared by the router and the pages: session and login (:mod:`ui.shell`),
shared widgets (:mod:`ui.widgets`) and every Altair chart (:mod:`ui.charts`). Imports no sqlmodel
or sqlalchemy: pages get their sessions from :func:`ui.shell.session`."""
