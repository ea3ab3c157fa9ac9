"""For analysts and maintainers: what officers said about recent answers (newest first, each giver only as a
pseudonymous id), the audit log of library changes, and for analysts the latest evaluation results."""

import json
from datetime import datetime

import streamlit as st

from assistant.stores.audit import recent_audit
from assistant.stores.feedback import HELPFUL, feedback_path, recent_feedback
from assistant.settings import PROJECT_ROOT
from webapp.access import Permission, require
from webapp.conversation import source_label
from webapp.markup import to_markdown
from webapp.navigator_cache import app_settings

SHOWN = 50
EVALUATION_SUMMARY = PROJECT_ROOT / "eval" / "runs" / "latest" / "summary.json"

settings = app_settings()
visitor = require(settings, Permission.READ_FEEDBACK)

st.title("Feedback")
names = ["Ratings", "Document changes"] + (["Evaluation"] if visitor.may(Permission.READ_EVALUATION) else [])
tabs = st.tabs(names)

with tabs[0]:
    entries = recent_feedback(feedback_path(settings), SHOWN)
    if not entries:
        st.info("No feedback yet. Rate an answer in the chat with :material/thumb_up: or :material/thumb_down:.")
    else:
        st.caption(f"The latest {len(entries)} ratings, newest first. Who gave each is shown only as a pseudonymous id.")
    for entry in entries:
        with st.container(border=True):
            verdict = ":material/thumb_up: Helpful" if entry.rating == HELPFUL else ":material/thumb_down: Not helpful"
            giver = f" · from {entry.giver}" if entry.giver else ""
            st.caption(f"{verdict} · {datetime.fromisoformat(entry.created_at):%d %b %Y %H:%M} UTC{giver}")
            st.markdown(f"**{to_markdown(entry.question)}**")
            if entry.comment:
                st.markdown(f"“{to_markdown(entry.comment)}”")
            with st.expander("Answer and sources"):
                st.markdown(to_markdown(entry.answer))
                for cited in entry.citations:
                    where = source_label(cited["title"], cited["section"], cited["page"])
                    st.caption(to_markdown(f"[{cited['n']}] {where}"))

with tabs[1]:
    changes = [entry for entry in recent_audit(settings, 500) if entry.get("where") == "library"]
    if not changes:
        st.info("No document has been added, published, rejected or removed yet.")
    else:
        st.caption("From the audit log, newest first; who made each change is a pseudonymous id.")
        st.dataframe(
            [{key: entry.get(key, "") for key in ("time", "action", "source", "who", "detail")} for entry in changes],
            hide_index=True,
        )

if visitor.may(Permission.READ_EVALUATION):
    with tabs[2]:
        if not EVALUATION_SUMMARY.exists():
            st.info("No evaluation run yet: `make eval` writes eval/runs/latest.")
        else:
            summary = json.loads(EVALUATION_SUMMARY.read_text(encoding="utf-8"))
            st.caption("The latest `make eval` run (eval/runs/latest); report.md there lists the failing questions.")
            st.json(summary, expanded=1)
