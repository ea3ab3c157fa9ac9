"""Who may do what: roles from the ID token or the allow-lists, pseudonymous ids, and local mode serving only
this computer (the real ``make run`` launcher and a real Streamlit server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from tests.conftest import free_port, wait_until_serving
from webapp.access import Permission, Role, Visitor, exposure_problem, pseudonym, roles_from_claims


def test_roles_come_from_the_named_claim_in_any_of_its_shapes():
    settings = Settings(roles_claim="groups")
    assert roles_from_claims({"groups": ["Maintainer", "navigator-users"]}, settings) == {Role.MAINTAINER}
    assert roles_from_claims({"groups": "analyst,officer"}, settings) == {Role.ANALYST, Role.OFFICER}
    assert roles_from_claims({"roles": ["maintainer"]}, settings) == {Role.OFFICER}  # not the claim named


def test_the_allow_lists_add_roles_and_a_user_with_none_is_an_officer_unless_the_default_is_none():
    settings = Settings(maintainers=["Pat@Example.org"], analysts=["sub-7"])
    assert roles_from_claims({"email": "pat@example.org"}, settings) == {Role.MAINTAINER}
    assert roles_from_claims({"sub": "sub-7"}, settings) == {Role.ANALYST}
    assert roles_from_claims({"sub": "someone"}, settings) == {Role.OFFICER}
    assert roles_from_claims({"sub": "someone"}, Settings(default_role="none")) == frozenset()


def test_what_each_role_may_do():
    def may(*roles: Role) -> set[Permission]:
        return set(Visitor("x", "u-x", frozenset(roles)).permissions)

    assert may(Role.OFFICER) == {Permission.ASK, Permission.READ_DOCUMENTS}
    assert may(Role.MAINTAINER) == {Permission.ASK, Permission.READ_DOCUMENTS, Permission.CHANGE_DOCUMENTS,
                                    Permission.READ_FEEDBACK}
    assert may(Role.ANALYST) == {Permission.ASK, Permission.READ_DOCUMENTS, Permission.READ_FEEDBACK,
                                 Permission.READ_EVALUATION}
    assert may() == set()


def test_a_pseudonym_is_stable_keyed_and_says_nothing_of_who(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    first = pseudonym(settings, "https://idp", "pat@example.org")
    assert first == pseudonym(settings, "https://idp", "pat@example.org")  # the key file is made once, kept
    assert first != pseudonym(settings, "https://idp", "sam@example.org")
    assert first.startswith("u-") and len(first) == 18 and "pat" not in first
    assert oct((tmp_path / "data" / "pseudonym.key").stat().st_mode & 0o777) == "0o600"
    other_key = Settings(data_dir=tmp_path / "data", pseudonym_key="another key")
    assert pseudonym(other_key, "https://idp", "pat@example.org") != first


def test_serving_another_address_needs_sign_in_or_the_explicit_setting():
    settings = Settings()
    for address in ("127.0.0.1", "localhost", "::1"):
        assert exposure_problem(settings, address, signed_in=False) == ""
    assert "without sign-in" in exposure_problem(settings, "0.0.0.0", signed_in=False)
    assert "every network interface" in exposure_problem(settings, None, signed_in=False)
    assert exposure_problem(settings, "0.0.0.0", signed_in=True) == ""
    assert exposure_problem(Settings(serve_without_sign_in=True), "0.0.0.0", signed_in=False) == ""


def launcher_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **extra}


def test_the_launcher_refuses_an_open_address_without_sign_in(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "webapp.serve"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env=launcher_env(NAVIGATOR_SERVER_ADDRESS="0.0.0.0"),
    )
    assert done.returncode == 2 and "will not serve on 0.0.0.0 without sign-in" in done.stderr


def this_machines_other_address() -> str | None:
    """An address of this machine other than loopback, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_local_mode_serves_this_computer_only(indexed_settings, tmp_path):
    """`make run`'s launcher in local mode: the page answers on 127.0.0.1 and not on the machine's address."""
    port = free_port()
    env = launcher_env(
        NAVIGATOR_INDEX_DIR=str(indexed_settings.index_dir), NAVIGATOR_COLLECTION=indexed_settings.collection,
        NAVIGATOR_DATA_DIR=str(tmp_path / "data"),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "webapp.serve", "--server.port", str(port), "--server.headless", "true",
         "--server.fileWatcherType", "none"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        def healthy() -> bool:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                return response.status == 200

        wait_until_serving(healthy, server, "the chat page")
        other = this_machines_other_address()
        if other is None:
            pytest.skip("this machine has no address but loopback to try")
        with pytest.raises(OSError):
            socket.create_connection((other, port), timeout=2).close()
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=20)
    assert "Local mode (no sign-in configured): serving on 127.0.0.1 only." in errors
