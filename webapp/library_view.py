"""How a library change running in the background looks on the Documents and Review pages: a progress bar
while it runs (answering goes on meanwhile), then what it did."""

from __future__ import annotations

import streamlit as st

from ingest.index import IngestReport
from ingest.library_changes import AddedDocuments, LibraryChangeFailed
from ingest.load import UnreadableFile
from webapp.library_jobs import Job, current_job, forget_finished_job, start_job
from webapp.markup import to_markdown

POLL_SECONDS = 1.0
SHOWN_KEY = "library_outcome"  # the finished job this session was shown, kept across its reruns


def run_change(label: str, work) -> None:
    """Start a library change in the background and show the page again with its progress."""
    if start_job(label, work, expected=(LibraryChangeFailed, UnreadableFile)) is None:
        st.warning("Another change to the documents is still running; try again when it has finished.")
    else:
        st.rerun()


def show_job() -> None:
    """The running change's progress, or the outcome of the one that just finished."""
    job = current_job()
    if job is not None and job.finished:
        st.session_state[SHOWN_KEY] = job
        forget_finished_job()
    if job is not None and not job.finished:
        st.fragment(_progress, run_every=POLL_SECONDS)()
    elif SHOWN_KEY in st.session_state:
        show_outcome(st.session_state[SHOWN_KEY])


def _progress() -> None:
    job = current_job()
    if job is None or job.finished:
        st.rerun()  # the whole page, so it shows what changed
    st.progress(job.share, text=f"{job.label}: {job.step}" + (f" ({job.done} of {job.total})" if job.total else ""))
    st.caption("Officers' questions are answered as usual meanwhile.")


def show_outcome(job: Job) -> None:
    if job.error:
        st.error(to_markdown(f"{job.label}: {job.error}"))
        return
    result = job.result
    if isinstance(result, AddedDocuments):
        if result.added:
            st.success(to_markdown(f"Pending review: {', '.join(result.added)}. No officer's answer uses them yet."))
        for item in result.not_added:
            st.warning(to_markdown(f"Not added: {item.source}: {item.reason}"))
    elif isinstance(result, IngestReport):
        st.success(to_markdown(f"{job.label}: done. Officers' answers now use the documents as listed."))
    else:
        st.success(to_markdown(f"{job.label}: done."))
