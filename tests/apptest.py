"""Helpers to run the app under streamlit.testing.v1.AppTest as a given demo user."""

from __future__ import annotations

import re
import string
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DEMO_PASSWORD = "kinerja2026"
_UNESCAPE = re.compile(r"\\([" + re.escape(string.punctuation) + "])")


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def logged_in(username: str, page: str | None = None) -> AppTest:
    """The app as `username` after a successful login, optionally on `page` (e.g. 'pages/akun.py')."""
    at = new_app()
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def texts(at: AppTest) -> str:
    """All text the page shows, for assertions that read like what a user sees."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
                 "success", "text"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    # user text goes through core.markup.md (backslash-escaped): assert on what the user reads
    return _UNESCAPE.sub(r"\1", "\n".join(parts)).replace("\u200b", "")
