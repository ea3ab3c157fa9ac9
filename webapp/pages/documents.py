"""The documents Navigator answers from, each readable whole; and adding new ones."""

import logging

import streamlit as st

from webapp.documents import UPLOAD_TYPES, add_documents, show_document
from webapp.markup import to_markdown
from webapp.navigator_cache import app_settings, navigator_for, reload_navigator

log = logging.getLogger("navigator.documents")  # a page script runs as __main__

OUTCOME_KEY = "documents_added"  # what the last upload did, shown after the page reloads the index
UPLOADER_KEY = "uploader_generation"  # a new key empties the uploader once its files are in

settings = app_settings()
navigator, _ = navigator_for(settings)

st.title("Documents")
st.caption("Navigator answers only from these documents.")
for document in navigator.documents():
    with st.container(border=True):
        st.markdown(f"**{to_markdown(document['title'])}**")
        details = [document["date"] or "undated", f"{document['chunks']} passages", document["source"]]
        st.caption(to_markdown(" · ".join(details)))
        if st.button("Read", key=f"read-{document['source']}", icon=":material/menu_book:"):
            show_document(settings, document["source"], document["title"])

st.subheader("Add documents")
outcome = st.session_state.pop(OUTCOME_KEY, None)
if outcome is not None:
    if outcome.added:
        st.success(
            to_markdown(f"Added: {', '.join(outcome.added)}. Navigator now answers from them too ")
            + f"({outcome.report.added} new passages)."
        )
    for item in outcome.not_added:
        st.warning(to_markdown(f"Not added: {item.source}: {item.reason}"))
    for item in outcome.skipped_already:
        st.info(to_markdown(f"Skipped (already in the folder): {item.source}: {item.reason}"))

generation = st.session_state.setdefault(UPLOADER_KEY, 0)
uploads = st.file_uploader(
    "PDF, Word, text, Markdown or HTML",
    type=UPLOAD_TYPES,
    accept_multiple_files=True,
    key=f"uploads-{generation}",
)
if st.button("Add to the guidance", icon=":material/upload_file:", disabled=not uploads):
    with st.status("Reading and indexing the documents…") as status:
        try:
            added = add_documents(settings, [(upload.name, upload.getvalue()) for upload in uploads])
        except Exception:
            log.exception("Adding documents failed")
            status.update(label="The documents could not be added", state="error")
            st.error("Nothing was added: the index is as it was. The details are in the server's log.")
            st.stop()
        if added.report is not None:
            # The ingest replaced the index the shared Navigator was reading.
            reload_navigator(settings)
        status.update(label="Done", state="complete")
    st.session_state[OUTCOME_KEY] = added
    st.session_state[UPLOADER_KEY] = generation + 1
    st.rerun()
