"""Who is using the page and what they may do: sign-in through Streamlit's ``st.login`` (OpenID Connect),
roles from an ID-token claim or the allow-lists in settings, and local mode when no sign-in is configured.

Sign-in is configured where Streamlit reads it, the ``[auth]`` section of ``.streamlit/secrets.toml``;
without it the page runs for the one local user on 127.0.0.1 (``make run``) with every page open.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import streamlit as st

from assistant.settings import Settings

PSEUDONYM_KEY_FILE = "pseudonym.key"
LOCAL_USER = "local"


class Role(StrEnum):
    OFFICER = "officer"
    MAINTAINER = "maintainer"
    ANALYST = "analyst"


class Permission(StrEnum):
    ASK = "ask"  # the chat and the glossary
    READ_DOCUMENTS = "read documents"
    CHANGE_DOCUMENTS = "add, review, publish and remove documents"
    READ_FEEDBACK = "read feedback and the audit log"
    READ_EVALUATION = "read evaluation results"


OFFICER_PERMISSIONS = frozenset({Permission.ASK, Permission.READ_DOCUMENTS})
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: OFFICER_PERMISSIONS,
    Role.MAINTAINER: OFFICER_PERMISSIONS | {Permission.CHANGE_DOCUMENTS, Permission.READ_FEEDBACK},
    Role.ANALYST: OFFICER_PERMISSIONS | {Permission.READ_FEEDBACK, Permission.READ_EVALUATION},
}


@dataclass(frozen=True)
class Visitor:
    name: str  # shown on the page only, never stored
    pseudonym: str  # what feedback and the audit log record of who it was
    roles: frozenset[Role]
    local: bool = False

    @property
    def permissions(self) -> frozenset[Permission]:
        return frozenset().union(*(ROLE_PERMISSIONS[role] for role in self.roles))

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


def sign_in_configured() -> bool:
    """Whether an identity provider is configured (``[auth]`` in Streamlit's secrets)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def is_loopback(address: str | None) -> bool:
    """Whether only this computer can reach a server bound to ``address`` (unset binds every interface)."""
    if not address:
        return False
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def exposure_problem(settings: Settings, address: str | None, signed_in: bool) -> str:
    """Why serving on ``address`` is refused ('' when it is fine): without sign-in anyone who can reach the
    page could change what officers are told, so only this computer may, unless a setting says otherwise."""
    if signed_in or is_loopback(address) or settings.serve_without_sign_in:
        return ""
    return (
        f"Navigator will not serve on {address or 'every network interface'} without sign-in: configure an "
        "identity provider ([auth] in .streamlit/secrets.toml, README 'Sign-in and roles'), serve on 127.0.0.1, "
        "or set NAVIGATOR_SERVE_WITHOUT_SIGN_IN=true for a network you trust."
    )


def roles_from_claims(claims: Mapping[str, Any], settings: Settings) -> frozenset[Role]:
    """The roles the ID token's claim names, those the allow-lists give its e-mail or subject, else the default."""
    named = claims.get(settings.roles_claim) or []
    if isinstance(named, str):  # some providers send "maintainer analyst" or "maintainer,analyst"
        named = named.replace(",", " ").split()
    values = {Role(value.lower()) for value in map(str, named) if value.lower() in set(Role)}
    identities = {str(claims.get(key, "")).lower() for key in ("email", "sub")} - {""}
    for role, listed in ((Role.MAINTAINER, settings.maintainers), (Role.ANALYST, settings.analysts)):
        if identities & {entry.lower() for entry in listed}:
            values.add(role)
    if not values and settings.default_role == Role.OFFICER:
        values.add(Role.OFFICER)
    return frozenset(values)


def pseudonym(settings: Settings, issuer: str, subject: str) -> str:
    """A keyed hash of who signed in: the same person always gets the same id, and only whoever holds the key
    can tell who an id is (by hashing a known subject)."""
    digest = hmac.new(_pseudonym_key(settings), f"{issuer}|{subject}".encode(), hashlib.sha256).hexdigest()
    return f"u-{digest[:16]}"


def _pseudonym_key(settings: Settings) -> bytes:
    if settings.pseudonym_key is not None:
        return settings.pseudonym_key.get_secret_value().encode()
    path = settings.data_dir / PSEUDONYM_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created readable by its owner only, and never replaced: a new key would give everyone new ids.
        with open(path, "xb", opener=lambda name, flags: os.open(name, flags, 0o600)) as key:
            key.write(secrets.token_bytes(32))
    return path.read_bytes()


def current_visitor(settings: Settings) -> Visitor | None:
    """The signed-in user (None until they sign in), or the local user when no sign-in is configured."""
    if not sign_in_configured():
        return Visitor("local user", LOCAL_USER, frozenset(Role), local=True)
    if not st.user.is_logged_in:
        return None
    claims = st.user.to_dict()
    name = str(claims.get("name") or claims.get("email") or "signed in")
    subject = str(claims.get("sub") or claims.get("email") or "")
    return Visitor(name, pseudonym(settings, str(claims.get("iss", "")), subject), roles_from_claims(claims, settings))


def require(settings: Settings, permission: Permission) -> Visitor:
    """The visitor, if they may do this; otherwise the page says so and stops (a page is also left out of the
    navigation of those who may not open it: this holds even if it is reached some other way)."""
    visitor = current_visitor(settings)
    if visitor is None or not visitor.may(permission):
        st.error(f"This page is for those who may {permission.value}.")
        st.stop()
    return visitor
