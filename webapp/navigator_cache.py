"""The settings the app runs with, and the one Navigator the Streamlit process serves every session with."""

from __future__ import annotations

import streamlit as st

from assistant.navigator import Navigator, forget_shared_navigator, shared_navigator
from assistant.settings import Settings

ENGINE_KEY = "engine"  # session state: the engine picked in the sidebar


def available_engines() -> list[str]:
    """The answer engines that can run here, the default first; the sidebar offers only these.

    Only the extractive engine exists so far. An engine that needs a language model belongs here once it
    exists, listed only when its model is configured and reachable.
    """
    return ["extractive"]


def app_settings() -> Settings:
    """Settings from the environment (``NAVIGATOR_*``), read on every run so a deployment or a test can point
    the app at its own index, with the engine picked in the sidebar."""
    settings = Settings()
    picked = st.session_state.get(ENGINE_KEY)
    return settings.model_copy(update={"engine": picked}) if picked in available_engines() else settings


@st.cache_resource(
    show_spinner="Loading the guidance and the language model (a few seconds, once)…",
    hash_funcs={Settings: lambda settings: settings.model_dump_json()},
)
def cached_navigator(settings: Settings) -> Navigator:
    return shared_navigator(settings)


def reload_navigator(settings: Settings) -> None:
    """Make the next ``cached_navigator`` read the index afresh (after documents were added)."""
    cached_navigator.clear()
    forget_shared_navigator(settings)
