"""What each screen does with data: plain functions taking a session and a viewer.

They ask :mod:`core.access` for every who-may-see-what decision, raise :class:`core.errors.Refusal`
subclasses for what a person may not do, and **flush, never commit**: the caller (a page, the CLI,
the demo seeding, a job) commits. No streamlit, altair or pandas here.
"""
