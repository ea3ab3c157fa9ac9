"""``python -m webapp.serve`` (``make run``): start the chat page on the address the settings allow.

Without sign-in the page serves 127.0.0.1 only: anyone who could reach it could change what officers are
told. Another address needs sign-in configured, or ``NAVIGATOR_SERVE_WITHOUT_SIGN_IN=true`` (with a warning).
Extra arguments go to ``streamlit run``.
"""

from __future__ import annotations

import os
import sys

from assistant.settings import PROJECT_ROOT, Settings
from webapp.access import exposure_problem, is_loopback, sign_in_configured

EXIT_REFUSED = 2


def streamlit_command(settings: Settings, extra: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
        "--server.address", settings.server_address, "--browser.gatherUsageStats", "false", *extra,
    ]


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    signed_in = sign_in_configured()
    problem = exposure_problem(settings, settings.server_address, signed_in)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_REFUSED
    if not signed_in and not is_loopback(settings.server_address):
        print(
            f"WARNING: serving on {settings.server_address} WITHOUT SIGN-IN (NAVIGATOR_SERVE_WITHOUT_SIGN_IN): "
            "everyone who can reach this address may add and remove documents and read feedback.",
            file=sys.stderr,
        )
    elif not signed_in:
        print(f"Local mode (no sign-in configured): serving on {settings.server_address} only.", file=sys.stderr)
    command = streamlit_command(settings, sys.argv[1:] if argv is None else argv)
    os.execv(command[0], command)  # the server takes this process's place, so Ctrl-C stops it as before


if __name__ == "__main__":
    sys.exit(main())
