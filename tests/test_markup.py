"""core.markup.md: user text shown through Markdown renders as exactly that text (property-tested)."""

from __future__ import annotations

import html
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from core.markup import md

RENDER = MarkdownIt("commonmark", {"html": True, "linkify": False})
TAGS = re.compile(r"<(/?)([a-zA-Z0-9]+)[^>]*>")
INJECTIONS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[klik di sini](javascript:alert(1))",
    "![pelacak](http://contoh.invalid/p.png)",
    "# Judul palsu",
    "**tebal** _miring_ `kode`",
    ":red[Data ditolak] :material/warning:",
    "$\\frac{1}{0}$",
    "    kode blok",
    "> kutipan\n- butir\n1. nomor",
    "&lt;b&gt; &amp; &#60;",
    "| a | b |\n|---|---|",
    "<small>palsu</small>",
    "\\*bukan miring\\*",
]


def _text_of(source: str) -> tuple[str, set[str]]:
    out = RENDER.render(source)
    tags = {m.group(2).lower() for m in TAGS.finditer(out)}
    text = TAGS.sub("", out.replace("<br />\n", "\n"))
    return html.unescape(text).replace("\u200b", "").strip("\n"), tags


def _visible(text: str) -> str:
    lines = [ln.replace("\t", " ").lstrip(" ").rstrip(" ") for ln in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u200b"), max_size=200))
@example("\n".join(INJECTIONS))
def test_user_text_renders_as_plain_text(text):
    source = md(text)
    shown, tags = _text_of(source)
    assert tags <= {"p", "br"}, (text, source, tags)
    assert re.sub(r"\s+", " ", shown).strip() == re.sub(r"\s+", " ", _visible(text)).strip()


def test_injection_attempts_show_as_typed():
    for attempt in INJECTIONS:
        shown, tags = _text_of(md(attempt))
        assert tags <= {"p", "br"}, attempt
        assert re.sub(r"\s+", " ", shown).strip() == re.sub(r"\s+", " ", _visible(attempt)).strip()


def test_streamlit_icons_do_not_render_from_user_text():
    raw = RENDER.render(md(":material/warning: awas"))
    assert ":material/" not in raw and ":\u200bmaterial/warning:" in raw


def test_control_characters_are_dropped_and_none_is_empty():
    assert md(None) == ""
    assert md("a\x00b\x1bc\x07") == "abc"
    assert md("baris 1\r\nbaris 2") == "baris 1  \nbaris 2"
