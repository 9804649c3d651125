"""What Streamlit draws in English, in Indonesian; the phone layout; the sidebar that closes after a choice.

Streamlit 1.67 has no setting for the language of its own widgets (the file uploader's "Upload" and size
limit, the table toolbar's "Search" / "Download as CSV" / "Show/hide columns", the date picker's
"dd/mm/yyyy"). This one place translates them in the browser: a script in the page (st.html, not an iframe)
watches the document and replaces those exact texts, tooltips and placeholders as Streamlit draws them, so
nothing else in the app needs to know. What cannot be reached this way (text drawn inside the table's canvas)
is avoided instead: pages.parts.common.table never draws an empty grid.

Tests read ENGLISH (the words a person must not see) from here.
"""

from __future__ import annotations

import json

import streamlit as st

# Exact texts (a text node, or a title / aria-label / placeholder attribute) and their Indonesian words.
WORDS: dict[str, str] = {
    "Upload": "Pilih berkas",  # it opens the file chooser; "Unggah" is the app's own button that stores it
    "Browse files": "Pilih berkas",
    "Drag and drop file here": "Seret dan lepas berkas di sini",
    "Drag and drop files here": "Seret dan lepas berkas di sini",
    "Remove file": "Hapus berkas",
    "Search": "Cari",
    "Search...": "Cari…",
    "Download as CSV": "Unduh sebagai CSV",
    "Show/hide columns": "Tampilkan/sembunyikan kolom",
    "Fullscreen": "Layar penuh",
    "Close fullscreen": "Tutup layar penuh",
    "Select all": "Pilih semua",
    "Clear selection": "Hapus pilihan",
    "Sort ascending": "Urutkan naik",
    "Sort descending": "Urutkan turun",
    "Pin column": "Sematkan kolom",
    "Unpin column": "Lepas sematan kolom",
    "Hide column": "Sembunyikan kolom",
    "Autosize": "Lebar otomatis",
    "Choose an option": "Pilih",
    "Choose options": "Pilih",
    "No results": "Tidak ada hasil",
    "Clear all": "Hapus semua",
    "Copy to clipboard": "Salin",
    "Copied": "Tersalin",
    "dd/mm/yyyy": "hh/bb/tttt",
    "DD/MM/YYYY": "hh/bb/tttt",
    "yyyy/mm/dd": "tttt/bb/hh",
    "Collapse sidebar": "Tutup menu",
    "Expand sidebar": "Buka menu",
    "Running...": "Memproses…",
    "Press Enter to apply": "Tekan Enter untuk menerapkan",
    "Press Enter to submit form": "Tekan Enter untuk mengirim formulir",
    # a text area's hint (Ctrl on Windows and Linux, ⌘ on a Mac)
    "Press Ctrl+Enter to apply": "Tekan Ctrl+Enter untuk menerapkan",
    "Press Ctrl+Enter to submit form": "Tekan Ctrl+Enter untuk mengirim formulir",
    "Press ⌘+Enter to apply": "Tekan ⌘+Enter untuk menerapkan",
    "Press ⌘+Enter to submit form": "Tekan ⌘+Enter untuk mengirim formulir",
    "Show password": "Tampilkan kata sandi",
    "Hide password": "Sembunyikan kata sandi",
    "Previous month.": "Bulan sebelumnya.",
    "Next month.": "Bulan berikutnya.",
    "Previous month": "Bulan sebelumnya",
    "Next month": "Bulan berikutnya",
    # the date picker's calendar
    **dict(zip(("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"),
               ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                "Oktober", "November", "Desember"))),
    **dict(zip(("Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"), ("Mg", "Sn", "Sl", "Rb", "Km", "Jm", "Sb"))),
    "Use arrow keys to navigate dates. Enter to select. Escape to close.":
        "Gunakan tombol panah untuk berpindah tanggal, Enter untuk memilih, Escape untuk menutup.",
}
# Parts of longer texts: the date field's labels for screen readers ("day, Tenggat start date") and the
# calendar's heading ("Choose date range, December 2026").
PARTS: list[tuple[str, str]] = [
    (r"\bstart date\b", "tanggal awal"), (r"\bend date\b", "tanggal akhir"),
    (r"^dd$", "hh"), (r"^mm$", "bb"), (r"^yyyy$", "tttt"),  # the empty date field's segments
    (r"^day, ", "hari, "), (r"^month, ", "bulan, "), (r"^year, ", "tahun, "),
    (r"^Choose date range, ", "Pilih rentang tanggal, "), (r"^Choose date, ", "Pilih tanggal, "),
    *[(rf"\b{en}\b", idn) for en, idn in zip(
        ("January", "February", "March", "May", "June", "July", "August", "October", "December"),
        ("Januari", "Februari", "Maret", "Mei", "Juni", "Juli", "Agustus", "Oktober", "Desember"))],
]
WEEKDAYS = ("M", "S", "S", "R", "K", "J", "S")  # Minggu … Sabtu: the calendar's column heads
# "10MB per file • PDF, JPG, PNG" (or "Limit 10MB per file …") -> "Paling besar 10 MB per berkas • PDF, JPG, PNG"
LIMIT_PATTERN = r"^(?:Limit )?(\d+(?:\.\d+)?)\s*([KMG]B) per file(.*)$"

# What a person must never read on a page (the tests check every page for these).
ENGLISH = ("Upload", "Browse files", "Drag and drop", "per file", "Download as CSV", "Show/hide columns",
           "Search", "Fullscreen", "Choose an option", "No results", "dd/mm/yyyy", "empty", "None", "nan", "NaT",
           "January", "February", "March", "May", "June", "July", "August", "October", "December",
           "Previous month", "Next month", "Press")

# Narrow screens (Streamlit's own phone breakpoint is 640 px): the short per-indicator list instead of hunting
# through a grid whose pinned columns fill the screen; no sideways scroll of the page itself.
_CSS = """
.st-key-hp_ringkas { display: none; }
@media (max-width: 640px) {
  .st-key-hp_ringkas { display: flex; }
  [data-testid="stMain"] { overflow-x: hidden; }
  [data-testid="stMainBlockContainer"] { padding-left: 0.75rem; padding-right: 0.75rem; }
}
#kinerja-ui { display: none; }
"""

_SCRIPT = r"""
(function () {
  if (window.__kinerjaUi) { return; }
  window.__kinerjaUi = true;
  var words = %(words)s, limit = new RegExp(%(limit)s), weekdays = %(weekdays)s;
  var parts = %(parts)s.map(function (p) { return [new RegExp(p[0]), p[1]]; });
  var ATTRS = ["title", "aria-label", "placeholder"];
  function text(s) {
    var t = s.trim();
    if (Object.prototype.hasOwnProperty.call(words, t)) { return s.replace(t, words[t]); }
    if (/dd\/mm\/yyyy/i.test(t)) { return s.replace(/dd\/mm\/yyyy/gi, "hh/bb/tttt"); }
    var z = t.match(/^(\d+)\.(\d+)\s?(B|KB|MB|GB)$/);  // the uploader's file size: 4.3KB -> 4,3 KB
    if (z) { return s.replace(t, z[1] + "," + z[2] + " " + z[3]); }
    var m = t.match(limit);
    if (m) { return s.replace(t, "Paling besar " + m[1].replace(".", ",") + " " + m[2] + " per berkas" + m[3]); }
    return null;
  }
  function partly(s, node) {
    // longer texts: only in date fields and their calendar (never in what people typed)
    var el = node.nodeType === 1 ? node : node.parentElement;
    if (!el || !el.closest('[data-testid="stDateInput"], [role="dialog"]')) { return null; }
    var out = s;
    parts.forEach(function (p) { out = out.replace(p[0], p[1]); });
    return out === s ? null : out;
  }
  function weekdayHeads() {
    document.querySelectorAll('[role="dialog"] [role="grid"] thead th').forEach(function (th, i) {
      var want = weekdays[i %% 7];
      if (th.textContent !== want) { th.textContent = want; }
    });
  }
  function fixText(node) {
    var v = node.nodeValue || "", n = text(v) || partly(v, node);
    if (n !== null && n !== v) { node.nodeValue = n; }
  }
  function fixAttrs(el) {
    ATTRS.forEach(function (a) {
      var v = el.getAttribute(a);
      if (v) { var n = text(v) || partly(v, el); if (n !== null && n !== v) { el.setAttribute(a, n); } }
    });
  }
  function fix(root) {
    if (root.nodeType === 3) {
      fixText(root);
      return;
    }
    if (root.nodeType !== 1) { return; }
    fixAttrs(root);
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    var node;
    while ((node = walker.nextNode())) {
      if (node.nodeType === 3) {
        fixText(node);
      } else {
        fixAttrs(node);
      }
    }
  }
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === "characterData") { fix(r.target); }
      else if (r.type === "attributes") { fix(r.target); }
      else { r.addedNodes.forEach(fix); }
    });
    weekdayHeads();
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ATTRS});
  fix(document.body);
  // A phone: the sidebar covers the page; close it once a page is chosen from it.
  document.addEventListener("click", function (e) {
    if (window.innerWidth > 640) { return; }
    var link = e.target.closest && e.target.closest('[data-testid="stSidebar"] a');
    if (!link) { return; }
    setTimeout(function () {
      var b = document.querySelector('[data-testid="stSidebarCollapseButton"] button')
        || document.querySelector('[data-testid="stSidebar"] button[kind="headerNoPadding"]');
      if (b) { b.click(); }
    }, 50);
  }, true);
})();
"""


def install() -> None:
    """Draw the translation script and the layout rules (every run: cheap, and idempotent in the browser)."""
    script = _SCRIPT % {"words": json.dumps(WORDS), "limit": json.dumps(LIMIT_PATTERN),
                        "parts": json.dumps(PARTS), "weekdays": json.dumps(WEEKDAYS)}
    st.html(f'<style>{_CSS}</style><div id="kinerja-ui"></div><script>{script}</script>',
            unsafe_allow_javascript=True)
