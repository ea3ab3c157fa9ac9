"""The settings the app runs with, and the Navigators (one per engine, all over one Library of the index) the
Streamlit process serves every session with."""

from __future__ import annotations

import streamlit as st

from assistant.engines.llm import llamacpp_can_run
from assistant.navigator import EngineUnavailable, Navigator, shared_navigator
from assistant.settings import Settings

ENGINE_KEY = "engine"  # session state: the engine picked in the sidebar
BUILD_KEY = "index_build"  # session state: the index build this session last answered from
GUIDANCE_UPDATED = "Guidance updated: answers now come from the latest documents."


def available_engines(settings: Settings) -> list[str]:
    """The answer engines this deployment can run, extractive first; the sidebar offers only these.

    llamacpp when llama-cpp-python is installed (``make llm``) and the model is the packaged GGUF or a GGUF
    file; ollama or openai when the deployment configured it (``NAVIGATOR_ENGINE``, with its model and
    endpoint). Whether an endpoint answers is checked when its engine is first used.
    """
    engines = ["extractive"]
    if llamacpp_can_run(settings):
        engines.append("llamacpp")
    if settings.engine not in engines:
        engines.append(settings.engine)
    return engines


def app_settings() -> Settings:
    """Settings from the environment (``NAVIGATOR_*``), read on every run so a deployment or a test can point
    the app at its own index, with the engine picked in the sidebar."""
    settings = Settings()
    picked = st.session_state.get(ENGINE_KEY)
    return settings.model_copy(update={"engine": picked}) if picked in available_engines(settings) else settings


def navigator_for(settings: Settings) -> tuple[Navigator, str]:
    """The Navigator for the picked engine, or the extractive one with the reason the engine cannot run."""
    try:
        return cached_navigator(settings), ""
    except EngineUnavailable as exc:
        return cached_navigator(settings.model_copy(update={"engine": "extractive"})), str(exc)


@st.cache_resource(
    show_spinner="Loading the guidance and the models (a few seconds, once; a local language model up to a minute)…",
    hash_funcs={Settings: lambda settings: settings.model_dump_json()},
)
def cached_navigator(settings: Settings) -> Navigator:
    return shared_navigator(settings)


def reload_navigator(settings: Settings) -> None:
    """Switch to the build an ingest has just made (after documents were added), without waiting for the next
    pointer check: the page lists the new documents at once."""
    cached_navigator(settings).follow_index(recheck=True)


def announce_guidance_update(navigator: Navigator) -> None:
    """Say once, in this session, that a re-ingest has changed the guidance answers come from."""
    build = navigator.follow_index().build
    if st.session_state.get(BUILD_KEY, build) != build:
        st.toast(GUIDANCE_UPDATED, icon=":material/update:")
    st.session_state[BUILD_KEY] = build
