"""The page a visitor sees before signing in (or when signed in with no role), and who is signed in."""

from __future__ import annotations

import streamlit as st

from webapp.access import Visitor


def render_sign_in(visitor: Visitor | None) -> None:
    st.title("Navigator")
    st.markdown(
        "Answers police officers' questions about **working with the NHS**, quoting and citing the guidance. "
        "Sign in with your force account to use it."
    )
    if visitor is None:
        if st.button("Sign in", icon=":material/login:", type="primary"):
            st.login()  # to the identity provider, and back to this page signed in
        return
    st.warning(
        f"You are signed in as {visitor.name}, but your account has no Navigator role (officer, maintainer or "
        "analyst). Ask whoever runs Navigator for access.",
    )
    sign_out_button()


def render_who(visitor: Visitor) -> None:
    """In the sidebar: local mode, or who is signed in with which roles, and a way to sign out."""
    if visitor.local:
        st.caption(
            "**Local mode:** no sign-in is configured, so this page serves only this computer and every page "
            "is open to you. README, \"Sign-in and roles\", says how to let others in."
        )
        return
    roles = ", ".join(sorted(visitor.roles))
    st.caption(f"Signed in as **{visitor.name}** ({roles})")
    sign_out_button()


def sign_out_button() -> None:
    if st.button("Sign out", icon=":material/logout:", width="stretch"):
        st.logout()
