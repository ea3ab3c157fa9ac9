"""The acronyms of the guidance, spelled out (the same glossary Navigator expands questions with)."""

import streamlit as st

from assistant.question.acronyms import load_glossary
from webapp.markup import to_markdown

st.title("Glossary")
wanted = st.text_input("Find", placeholder="An acronym or a word, e.g. ICB").strip().lower()
glossary = sorted(load_glossary().items(), key=lambda entry: entry[0].lower())
found = [(acronym, meaning) for acronym, meaning in glossary if wanted in acronym.lower() or wanted in meaning.lower()]
if found:
    st.markdown("\n".join(f"- **{to_markdown(acronym)}**: {to_markdown(meaning)}" for acronym, meaning in found))
else:
    st.info("No acronym in the glossary matches that.")
