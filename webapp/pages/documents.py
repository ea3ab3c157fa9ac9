"""The documents Navigator answers from, each readable whole; maintainers add documents for review and
remove published ones."""

import streamlit as st

from ingest.library_changes import add_pending, pending_documents, remove_published
from webapp.access import Permission, require
from webapp.documents import UPLOAD_TYPES, show_document
from webapp.library_view import run_change, show_job
from webapp.markup import to_markdown
from webapp.navigator_cache import app_settings, navigator_for, reload_navigator

UPLOADER_KEY = "uploader_generation"  # a new key empties the uploader once its files are in

settings = app_settings()
visitor = require(settings, Permission.READ_DOCUMENTS)
maintainer = visitor.may(Permission.CHANGE_DOCUMENTS)
navigator, _ = navigator_for(settings)


@st.dialog("Remove this document?")
def confirm_removal(source: str, title: str) -> None:
    st.markdown(
        to_markdown(f"{title} ({source}) will no longer be used to answer officers. The file is kept aside, "
                    "and the removal is written to the audit log.")
    )
    if st.button("Remove", type="primary", icon=":material/delete:"):
        def work(job):
            report = remove_published(settings, source, visitor.pseudonym, job.track)
            reload_navigator(settings)
            return report

        run_change(f"Removing {source}", work)


st.title("Documents")
st.caption("Navigator answers only from these documents.")
if maintainer:
    show_job()
for document in navigator.documents():
    with st.container(border=True):
        st.markdown(f"**{to_markdown(document['title'])}**")
        details = [document["date"] or "undated", f"{document['chunks']} passages", document["source"]]
        st.caption(to_markdown(" · ".join(details)))
        if st.button("Read", key=f"read-{document['source']}", icon=":material/menu_book:"):
            show_document(settings, document["source"], document["title"])
        if maintainer and st.button("Remove", key=f"remove-{document['source']}", icon=":material/delete:"):
            confirm_removal(document["source"], document["title"])

if maintainer:
    st.subheader("Add documents")
    pending = pending_documents(settings)
    st.caption(
        "A new document is pending until a maintainer has reviewed and published it on the Review page: until "
        f"then no officer's answer uses it. Up to {settings.max_file_mb} MB a file. "
        + (f"Pending now: {len(pending)}." if pending else "")
    )
    generation = st.session_state.setdefault(UPLOADER_KEY, 0)
    uploads = st.file_uploader(
        "PDF, Word, text, Markdown or HTML",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        max_upload_size=settings.max_file_mb,
        key=f"uploads-{generation}",
    )
    if st.button("Add for review", icon=":material/upload_file:", disabled=not uploads):
        files = [(upload.name, upload.getvalue()) for upload in uploads]
        st.session_state[UPLOADER_KEY] = generation + 1
        run_change("Adding documents for review", lambda job: add_pending(settings, files, visitor.pseudonym, job.track))
