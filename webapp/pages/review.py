"""For maintainers: each pending document as the ingest reads it, what to look at in it, what it would change
in answers; publish or reject it. Nothing pending is used for officers' answers."""

import streamlit as st

from ingest.documents import SourceInfo
from ingest.library_changes import (
    awaiting_index,
    build_candidate_index,
    library,
    pending_documents,
    publish,
    reject,
)
from ingest.load import UnreadableFile
from eval.dataset import REPORTED_SETS
from eval.impact import answer_changes
from ingest.review import INSTRUCTION, LINK_FLAG, review_document
from webapp.access import Permission, require
from webapp.library_view import SHOWN_KEY, run_change, show_job
from webapp.markup import to_markdown
from webapp.navigator_cache import app_settings, reload_navigator

(QUESTIONS,) = REPORTED_SETS["questions"]
FLAG_STYLE = {INSTRUCTION: st.error, LINK_FLAG: st.info}  # personal data: st.warning

settings = app_settings()
visitor = require(settings, Permission.CHANGE_DOCUMENTS)


def publish_work(source: str, info: SourceInfo):
    def work(job):
        report = publish(settings, source, info, visitor.pseudonym, job.track)
        reload_navigator(settings)
        return report

    return work


st.title("Review")
st.caption(
    "Documents waiting to be published. Until a maintainer publishes one, no officer's answer uses it: it is "
    "indexed apart, with the published documents, only to show what it would change."
)
show_job()
pending = pending_documents(settings)
if not pending:  # not st.stop(): the sidebar is drawn after the page
    st.info(f"Nothing is waiting for review. Add documents on the Documents page, or put files in {library(settings).inbox}.")
else:
    unindexed = awaiting_index(settings)
    if unindexed:
        st.warning(to_markdown(f"Not yet indexed for review: {', '.join(unindexed)}."))
        if st.button("Index them for review", icon=":material/sync:"):
            run_change("Indexing the pending documents for review", lambda job: build_candidate_index(settings, job.track))

    for document in pending:
        with st.container(border=True, key=f"pending-{document.source}"):
            st.subheader(to_markdown(document.source))
            st.caption(f"{document.size / 1000:,.1f} kB · received {document.received.replace('T', ' ')} UTC")
            try:
                review = review_document(settings, document)
            except UnreadableFile as exc:
                st.error(to_markdown(f"The ingest cannot read it: {exc}"))
                review = None
            if review is not None:
                if not review.flags:
                    st.success("Nothing flagged: no instruction to an assistant, no personal data, no links.")
                for flag in review.flags:
                    detail = f" ({flag.detail})" if flag.detail else ""
                    FLAG_STYLE.get(flag.kind, st.warning)(f"**{flag.kind}{detail}:** {to_markdown(flag.text)}")
                with st.expander(f"As the ingest reads it: {len(review.sections)} sections, {len(review.chunks)} passages"):
                    for number, chunk in enumerate(review.chunks, 1):
                        st.markdown(f"**\\[{number}\\] {to_markdown(chunk.section or 'No heading')}**")
                        st.markdown(to_markdown(chunk.text))
                with st.expander(f"What cleaning removed: {len(review.removed)} lines"):
                    st.markdown("\n".join(f"- {to_markdown(line)}" for line in review.removed) or "Nothing.")
            with st.form(key=f"describe-{document.source}", border=False):
                title = st.text_input("Title", value=document.info.title, key=f"title-{document.source}")
                publisher = st.text_input("Publisher", value=document.info.publisher, key=f"publisher-{document.source}")
                date = st.text_input("Date (YYYY-MM or YYYY)", value=document.info.date, key=f"date-{document.source}")
                publish_it, reject_it = st.columns(2)
                if publish_it.form_submit_button("Publish", type="primary", icon=":material/publish:", disabled=review is None):
                    info = SourceInfo(title=title, publisher=publisher, date=date)
                    run_change(f"Publishing {document.source}", publish_work(document.source, info))
                if reject_it.form_submit_button("Reject", icon=":material/block:"):
                    run_change(f"Rejecting {document.source}", lambda job, source=document.source: reject(settings, source, visitor.pseudonym))

    st.subheader("What publishing would change")
    st.caption(
        "Every evaluation question answered from the published documents (what officers get now) and from the "
        "published and pending ones together; the questions whose answer would change, before and after."
    )
    if st.button("Compare the answers", icon=":material/compare_arrows:", disabled=bool(unindexed)):
        sources = {document.source for document in pending}
        run_change("Comparing answers", lambda job: answer_changes(settings, QUESTIONS, sources, job.answered))
    shown = st.session_state.get(SHOWN_KEY)
    if shown is not None and isinstance(shown.result, list):
        st.markdown(f"**{len(shown.result)} answers would change.**")
        for change in shown.result:
            label = f"{change.question_id}: {change.question}" + (" (quotes a pending document)" if change.after_cites_pending else "")
            with st.expander(to_markdown(label)):
                before, after = st.columns(2)
                before.markdown("**Now**\n\n" + to_markdown(change.before))
                after.markdown("**After publishing**\n\n" + to_markdown(change.after))
