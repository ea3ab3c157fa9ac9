"""What officers said about recent answers, newest first."""

from datetime import datetime

import streamlit as st

from assistant.feedback import HELPFUL, feedback_path, recent_feedback
from webapp.conversation import source_label
from webapp.markup import to_markdown
from webapp.navigator_cache import app_settings

SHOWN = 50

st.title("Feedback")
entries = recent_feedback(feedback_path(app_settings()), SHOWN)
if not entries:
    st.info("No feedback yet. Rate an answer in the chat with :material/thumb_up: or :material/thumb_down:.")
else:
    st.caption(f"The latest {len(entries)} ratings, newest first.")
for entry in entries:
    with st.container(border=True):
        verdict = ":material/thumb_up: Helpful" if entry.rating == HELPFUL else ":material/thumb_down: Not helpful"
        st.caption(f"{verdict} · {datetime.fromisoformat(entry.created_at):%d %b %Y %H:%M} UTC")
        st.markdown(f"**{to_markdown(entry.question)}**")
        if entry.comment:
            st.markdown(f"“{to_markdown(entry.comment)}”")
        with st.expander("Answer and sources"):
            st.markdown(to_markdown(entry.answer))
            for cited in entry.citations:
                where = source_label(cited["title"], cited["section"], cited["page"])
                st.caption(to_markdown(f"[{cited['n']}] {where}"))
