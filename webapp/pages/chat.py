"""The chat: ask a question, read the answer with its sources, ask a follow-up."""

import streamlit as st

from webapp.answer_view import NAVIGATOR_AVATAR, render_question, render_reply, render_turn
from webapp.conversation import (
    answer_question,
    shown_question,
    ask_later,
    earlier_questions,
    take_pending_question,
    turns,
    writing_progress,
)
from webapp.examples import EXAMPLE_QUESTIONS
from webapp.navigator_cache import announce_guidance_update, app_settings, navigator_for

WELCOME_EXAMPLES = 4

settings = app_settings()
navigator, engine_problem = navigator_for(settings)
if engine_problem:
    st.error(f"The {settings.engine} engine cannot run ({engine_problem}). Answers are extractive for now.")
announce_guidance_update(navigator)
conversation = turns()

# The input is read first so that a question asked from the welcome screen replaces it at once.
question = (
    st.chat_input("Ask about working with the NHS", max_chars=settings.max_question_chars)
    or take_pending_question()
)

if not conversation and not question:
    st.title("Navigator")
    st.markdown(
        "Answers police officers' questions about **working with the NHS**: how it is organised, who "
        "commissions what, Liaison and Diversion, custody healthcare. Every answer quotes the guidance "
        "documents and cites each statement, so you can check it."
    )
    st.warning(
        "**Not for:** legal advice · operational decisions in an emergency (follow your force's procedures) "
        "· personal data: do not enter names, dates of birth or case details.",
        icon=":material/info:",
    )
    st.markdown("**Try asking:**")
    for number, example in enumerate(EXAMPLE_QUESTIONS[:WELCOME_EXAMPLES]):
        st.button(example, key=f"example-{number}", on_click=ask_later, args=(example,))

for turn in conversation:
    render_turn(turn, settings)

if question:
    render_question(shown_question(question, navigator.vocabulary.word_counts))  # as the answer will carry it
    with st.chat_message("assistant", avatar=NAVIGATOR_AVATAR):
        with st.spinner("Searching the guidance…"):
            progress = st.empty()
            turn = answer_question(navigator, question, earlier_questions(conversation), writing_progress(progress))
            progress.empty()
        conversation.append(turn)
        render_reply(turn, settings, stream=True)
