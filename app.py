"""Navigator's web app: ``streamlit run app.py`` (``make run`` builds the index first, and picks the address).

Settings come from ``NAVIGATOR_*`` environment variables, as everywhere else in Navigator; sign-in from the
``[auth]`` section of ``.streamlit/secrets.toml`` (README, "Sign-in and roles").
"""

import logging
from pathlib import Path

import streamlit as st

from assistant.navigator import IndexMissing
from webapp.access import Permission, current_visitor, exposure_problem, sign_in_configured
from webapp.navigator_cache import app_settings, navigator_for
from webapp.sidebar import render_sidebar
from webapp.sign_in import render_sign_in

log = logging.getLogger("navigator.app")

# An emoji, not a ":material/...:" icon: Streamlit fetches those favicons from an external font host.
st.set_page_config(page_title="Navigator", page_icon="🧭", layout="centered")
st.html(Path(__file__).parent / "webapp" / "style.css")

settings = app_settings()
problem = exposure_problem(settings, st.get_option("server.address"), sign_in_configured())
if problem:  # `streamlit run app.py --server.address 0.0.0.0` without sign-in: refuse to serve anything
    st.error(problem)
    st.stop()
visitor = current_visitor(settings)
if visitor is None or not visitor.roles:
    render_sign_in(visitor)
    st.stop()

PAGES = [  # (page, what a visitor must be allowed to do to see it)
    (st.Page("webapp/pages/chat.py", title="Chat", icon=":material/chat:", default=True), Permission.ASK),
    (st.Page("webapp/pages/documents.py", title="Documents", icon=":material/library_books:"), Permission.READ_DOCUMENTS),
    (st.Page("webapp/pages/review.py", title="Review", icon=":material/fact_check:"), Permission.CHANGE_DOCUMENTS),
    (st.Page("webapp/pages/glossary.py", title="Glossary", icon=":material/dictionary:"), Permission.ASK),
    (st.Page("webapp/pages/feedback.py", title="Feedback", icon=":material/reviews:"), Permission.READ_FEEDBACK),
]
page = st.navigation([page for page, needs in PAGES if visitor.may(needs)])

try:
    navigator, _ = navigator_for(settings)  # the chat page says why a picked engine cannot run
except IndexMissing as exc:
    st.error(str(exc))
    st.stop()
except Exception:  # a message for the officer; the details (no question involved here) for the log
    log.exception("Navigator could not load")
    st.error("Navigator could not start. Please tell whoever runs it; the details are in its log.")
    st.stop()

page.run()
# After the page, so the download holds the answer the page has just given.
render_sidebar(settings, navigator, visitor)
