"""Navigator's web app: ``streamlit run app.py`` (``make run`` builds the index first).

Settings come from ``NAVIGATOR_*`` environment variables, as everywhere else in Navigator.
"""

import logging
from pathlib import Path

import streamlit as st

from assistant.navigator import IndexMissing
from webapp.navigator_cache import app_settings, navigator_for
from webapp.sidebar import render_sidebar

log = logging.getLogger("navigator.app")

st.set_page_config(page_title="Navigator", page_icon=":material/explore:", layout="centered")
st.html(Path(__file__).parent / "webapp" / "style.css")

page = st.navigation(
    [
        st.Page("webapp/pages/chat.py", title="Chat", icon=":material/chat:", default=True),
        st.Page("webapp/pages/documents.py", title="Documents", icon=":material/library_books:"),
        st.Page("webapp/pages/glossary.py", title="Glossary", icon=":material/dictionary:"),
        st.Page("webapp/pages/feedback.py", title="Feedback", icon=":material/reviews:"),
    ]
)

settings = app_settings()
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
render_sidebar(settings, navigator)
