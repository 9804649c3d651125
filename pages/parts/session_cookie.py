"""Write or remove the session cookie in the browser, in the run that draws the page (no rerun races it).

The script runs in the page itself (st.html, not an iframe) when the element is drawn, sets the cookie and
reads it back; if the browser refused it the page says so, because the login would then not survive a reload.
"""

from __future__ import annotations

import json

import streamlit as st

from core.config import Settings
from core.sessions import cookie_max_age

_REFUSED = ("Peramban ini tidak menyimpan cookie, sehingga Anda harus masuk lagi setiap kali halaman dimuat "
            "ulang. Izinkan cookie untuk alamat aplikasi ini.")


def _attributes(settings: Settings, max_age: int) -> str:
    parts = ["path=/", f"max-age={max_age}", "SameSite=Strict"]
    if settings.cookie_secure:
        parts.append("Secure")
    return "; ".join(parts)


def write(settings: Settings, token: str) -> None:
    """Store `token` as the session cookie; a visible note if the browser refuses it."""
    name = json.dumps(settings.cookie_name)
    value = json.dumps(f"{settings.cookie_name}={token}; {_attributes(settings, cookie_max_age(settings))}")
    st.html(
        f"""<div id="kinerja-cookie"></div><script>
        (function () {{
          document.cookie = {value};
          var ok = document.cookie.split("; ").some(function (c) {{ return c.indexOf({name} + "=") === 0; }});
          if (!ok) {{ document.getElementById("kinerja-cookie").textContent = {json.dumps(_REFUSED)}; }}
        }})();
        </script>""",
        unsafe_allow_javascript=True,
    )


def remove(settings: Settings) -> None:
    """Remove the session cookie from this browser (it is already worthless on the server)."""
    value = json.dumps(f"{settings.cookie_name}=; {_attributes(settings, 0)}; expires=Thu, 01 Jan 1970 00:00:00 GMT")
    st.html(f"<script>document.cookie = {value};</script>", unsafe_allow_javascript=True)
