"""Editable grids that keep what a person typed and what they saw (used by Isi Data and Data Induk).

- Numbers are shown, and typed, as Indonesian text (1.250,5) whatever the browser's locale: number columns are
  text columns read back by `core.parsing` when saved. (`st.data_editor`'s NumberColumn parses and shows with
  the browser's locale: in an English browser `73,5` became 735 and the grid showed `4.16`.)
- The frame drawn before the person started editing, with the versions of its rows, is held until the grid is
  saved or reloaded; a save is checked against the versions that were on the screen, not against a fresh read
  made by the rerun that the click caused (which would let a stale browser overwrite a newer save).
- Any button can ask which grids hold edits that are not saved yet, so nothing typed is dropped silently.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

import pandas as pd
import streamlit as st

from core import fmt

_HELD = "_grid_held"  # family -> (widget key, frame as drawn)
HELP = "Tulis angka cara Indonesia: titik pemisah ribuan, koma desimal (1.250 atau 12,5)."


def has_edits(key: str) -> bool:
    """Whether the editor with this widget key holds typed changes that are not saved."""
    state = st.session_state.get(key)
    return bool(state and state.get("edited_rows"))


def hold(family: str, key: str, fresh: pd.DataFrame) -> pd.DataFrame:
    """The frame to draw and to save against: the one held while the editor `key` has unsaved edits,
    otherwise `fresh` (just read from the database), which is then held for the next run."""
    held = st.session_state.setdefault(_HELD, {})
    kept = held.get(family)
    if kept is not None and kept[0] == key and has_edits(key):
        return kept[1]
    held[family] = (key, fresh)
    return fresh


def held_value(value: Any) -> Any:
    """A cell of a held frame as core compares it: pandas' empty (NaN, NA) as None."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value


def number_text(value: Any, decimals: int = 4, strip: bool = True) -> Optional[str]:
    """A number as the grid shows it: Indonesian, trailing zero decimals dropped (unless not `strip`); None when
    empty."""
    if held_value(value) is None:
        return None
    return fmt.number(value if isinstance(value, (Decimal, int)) else Decimal(repr(float(value))), decimals,
                      strip=strip)


def as_text(frame: pd.DataFrame, columns: dict[str, int], fixed: frozenset[str] = frozenset()) -> pd.DataFrame:
    """A copy of `frame` with each number column (name -> decimals shown) as Indonesian text; the `fixed` ones
    always with all their decimals (a capaian as "103,90", as every other screen shows it)."""
    out = frame.copy()
    for col, decimals in columns.items():
        if col in out.columns:
            out[col] = pd.array([number_text(v, decimals, col not in fixed) for v in out[col]], dtype="string")
    return out


def number_column(label: str, editable: bool = False, width: int | None = None):
    """A right-aligned text column for numbers; an editable one says how to write them."""
    return st.column_config.TextColumn(label, alignment="right", help=HELP if editable else None,
                                       width=width or max(96, int(len(label) * 7.5 + 34)))


def edits(key: str, frame: pd.DataFrame, id_col: str, version_col: str = "version"
          ) -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
    """The editor's unsaved edits as {row id: {column: what was typed}} and the versions the person saw."""
    changes: dict[int, dict[str, Any]] = {}
    versions: dict[int, int] = {}
    for idx, cols in ((st.session_state.get(key) or {}).get("edited_rows") or {}).items():
        row = frame.iloc[int(idx)]
        changes[int(row[id_col])] = dict(cols)
        versions[int(row[id_col])] = int(row[version_col])
    return changes, versions


def typed_summary(changes: dict[int, dict[str, Any]], names: dict[int, str], config: dict | None = None) -> str:
    """What the person typed, to show beside a refusal so nothing typed is lost from sight; each column by the
    header the grid shows (its `config` label: "Target Renstra akhir periode", not target_renstra)."""
    parts = []
    for row_id, cols in changes.items():
        for col, value in cols.items():
            cfg = (config or {}).get(col)
            label = cfg if isinstance(cfg, str) else (cfg or {}).get("label") or col
            parts.append(f"{names.get(row_id, row_id)} {label}: {value if value not in (None, '') else '(kosong)'}")
    return "; ".join(parts)
