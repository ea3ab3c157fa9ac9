"""The web app officers use (``streamlit run app.py``): the chat, the documents, feedback and the glossary."""
