"""Show user-written text safely inside Streamlit Markdown: every markup character is escaped.

Pages render text people typed (disposisi, kendala, review notes, answers) with st.markdown or inside
st.info/st.warning, which all read Markdown — and, with unsafe_allow_html, HTML. `md(text)` makes such
text show exactly as typed: no links, images, headings, HTML tags, Streamlit :color[...] directives,
:material/...: icons or $LaTeX$; line breaks are kept.
"""

from __future__ import annotations

import re
import string
import unicodedata
from typing import Any

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")
# (escaped) starts of the addresses GitHub-flavoured Markdown links by itself: http:// https:// ftp:// www.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www)(?=\\[:.])")


def _clean(text: str) -> str:
    """Drop control characters except line breaks and tabs (they would corrupt the page or the log)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


def md(value: Any) -> str:
    """`value` as Markdown source that renders as exactly that text (None -> '')."""
    if value is None:
        return ""
    lines = []
    for line in _clean(str(value)).split("\n"):
        # leading spaces or tabs would start a code block; keep the text, drop the indentation
        line = _PUNCT.sub(r"\\\1", line.replace("\t", " ").lstrip(" "))
        # Streamlit turns :material/name: into an icon even when escaped: break it invisibly
        line = line.replace("\\:material\\/", "\\:\u200bmaterial\\/")
        # GitHub-style autolinks turn a bare address into a link even when escaped: break them invisibly
        line = _AUTOLINK.sub("\\1\u200b", line).replace("\\@", "\u200b\\@")
        lines.append(line)
    return "  \n".join(lines)
