"""core.exports.to_xlsx's workbook for very large tables, with the data rows written as sheet XML directly.

xlsxwriter spends about 10 µs on each cell (a call, a format lookup, a shared string, an XML element): a
regency's full-year recap at 16× (43,200 indicators × 21 columns) took seconds in the cell writer alone. Here
xlsxwriter still makes everything but the bulk of the rows — title block, styled and frozen header, column
widths, autofilter, print setup, styles, and the first data row of each sheet — and the other rows are added
to the sheet's XML afterwards as one string built column by column (inline strings, the formats' own style
indexes), then the package is zipped again. The cells hold what to_xlsx writes: the same values (numbers
as floats, text through core.exports.neutralise, booleans as Ya/Tidak), the same formats, the same layout
(tests/test_regency_scale.py compares the two workbooks cell by cell).

No signature block: its rows would follow the data (use to_xlsx for a signed recap).
"""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from typing import Any

import pandas as pd

from core.exports import RECAP_TITLE, _sheet_name, form_formats, neutralise, new_workbook

HEADER_ROW = 4  # as in to_xlsx
_CONTROL_1 = re.compile("(_x[0-9a-fA-F]{4}_)")  # xlsxwriter's escapes of control characters, for inline strings
_CONTROL_2 = re.compile(r"([\x00-\x08\x0b-\x1f])")
_NEEDS_ESCAPE = re.compile(r'[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_')
_EDGE_SPACE = re.compile(r"^\s|\s$")
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def _col_letter(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def _is_number(v: Any) -> bool:
    return isinstance(v, (Decimal, int, float)) and not isinstance(v, bool)


def _column(series: pd.Series) -> tuple[list[Any], str]:
    """A column as to_xlsx writes it (exports._plain, on a list): its values and its kind, 'integer',
    'number' or 'text' (what the column's dtype is after _plain)."""
    values = series.tolist()
    if series.dtype == bool:
        return ["Ya" if v else "Tidak" for v in values], "text"
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        non_null = [v for v in values if v is not None and not (isinstance(v, float) and v != v)]
        types = {type(v) for v in non_null}
        if non_null and all(issubclass(t, (Decimal, int, float)) and not issubclass(t, bool) for t in types):
            return [None if v is None else float(v) for v in values], "number"  # pd.to_numeric: float64
        if non_null and types == {bool}:
            return ["" if v is None else ("Ya" if v else "Tidak") for v in values], "text"
        seen: dict[Any, Any] = {}  # the same office, sasaran and unit names recur: neutralise each once
        out = []
        for v in values:
            try:
                out.append(seen[v])
            except KeyError:
                seen[v] = n = neutralise(v)
                out.append(n)
            except TypeError:  # unhashable
                out.append(neutralise(v))
        return out, "text"
    if pd.api.types.is_numeric_dtype(series):
        return values, "integer" if pd.api.types.is_integer_dtype(series) else "number"
    return values, "text"


def _width(header: str, values: list[Any], numeric: bool) -> int:
    width = min(max([len(header)] + [len(str(v)) for v in values[:200]]) + 2, 60)
    return max(width, 10) if numeric else width


def _inline(text: str) -> str:
    if _NEEDS_ESCAPE.search(text):
        text = _CONTROL_1.sub(r"_x005F\1", text)
        text = _CONTROL_2.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _EDGE_SPACE.search(text):
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def _cells(letter: str, first_row: int, values: list[Any], kind: str, s_text: int, s_num: int,
           s_int: int) -> list[str]:
    """The <c> elements of one column from 1-based row `first_row` on (to_xlsx's per-cell rules)."""
    blank = f'" s="{s_text}"/>'
    if kind != "text":  # floats (or ints) and None/NaN only: _column made them so
        num = f'" s="{s_int if kind == "integer" else s_num}"><v>'
        return [f'<c r="{letter}{r}{blank}' if v is None or v != v else f'<c r="{letter}{r}{num}{v:.16G}</v></c>'
                for r, v in enumerate(values, start=first_row)]
    text = f'" s="{s_text}" t="inlineStr"><is>'
    num = f'" s="{s_num}"><v>'
    seen: dict[str, str] = {}  # names recur (offices, sasaran, units): each escaped once
    out = []
    for r, v in enumerate(values, start=first_row):
        if isinstance(v, str):
            body = seen.get(v)
            if body is None:
                body = seen[v] = _inline(v)
            out.append(f'<c r="{letter}{r}{text}{body}</is></c>')
        elif v is None or v != v:
            out.append(f'<c r="{letter}{r}{blank}')
        elif _is_number(v):
            out.append(f'<c r="{letter}{r}{num}{float(v):.16G}</v></c>')
        else:
            out.append(f'<c r="{letter}{r}{text}{_inline(neutralise(str(v)))}</is></c>')
    return out


def _write_cell(ws, r: int, c: int, value: Any, kind: str, f_text, f_num, f_int) -> None:
    """to_xlsx's cell writer, for the first data row (which gives the formats their style indexes)."""
    numeric = kind != "text"
    f_cell = (f_int if kind == "integer" else f_num) if numeric else f_text
    if value is None or value != value:
        ws.write_blank(r, c, None, f_text)
    elif numeric or _is_number(value):
        ws.write_number(r, c, float(value), f_cell if numeric else f_num)
    else:
        ws.write_string(r, c, str(value), f_cell)


def to_xlsx(views: dict[str, pd.DataFrame], title: str, office: str, period: str) -> bytes:
    """exports.to_xlsx(views, title, office, period) without a signature, fast for many rows."""
    buf, wb = new_workbook()
    F = form_formats(wb, **RECAP_TITLE)
    f_title, f_sub, f_head, f_text, f_num, f_int = (F[k] for k in ("title", "sub", "head", "text", "num", "int"))
    sheets: list[tuple[int, list[tuple[str, list[Any], str]], int]] = []  # (index, columns, rows)
    for index, (sheet_name, df) in enumerate(views.items(), start=1):
        ws = wb.add_worksheet(_sheet_name(sheet_name))
        ws.write_string(0, 0, neutralise(office), f_sub)
        ws.write_string(1, 0, neutralise(title), f_title)
        ws.write_string(2, 0, neutralise(period), f_sub)
        columns = []
        for c, col in enumerate(df.columns):
            values, kind = _column(df.iloc[:, c])
            header = neutralise(str(col))
            ws.write_string(HEADER_ROW, c, header, f_head)
            ws.set_column(c, c, _width(str(col), values, kind != "text"))
            if values:
                _write_cell(ws, HEADER_ROW + 1, c, values[0], kind, f_text, f_num, f_int)
            columns.append((_col_letter(c), values, kind))
        ncols = max(len(df.columns), 1)
        last_row = HEADER_ROW + len(df)
        ws.freeze_panes(HEADER_ROW + 1, 0)
        ws.autofilter(HEADER_ROW, 0, max(last_row, HEADER_ROW), ncols - 1)
        ws.set_row(HEADER_ROW, 30)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(HEADER_ROW)
        sheets.append((index, columns, len(df)))
    for f in (f_text, f_num, f_int):  # a format the first rows did not use still needs its style
        f._get_xf_index()
    wb.close()
    s_text, s_num, s_int = f_text.xf_index, f_num.xf_index, f_int.xf_index

    rows_xml: dict[str, tuple[bytes, bytes]] = {}
    for index, columns, nrows in sheets:
        if nrows < 2:
            continue
        first = HEADER_ROW + 3  # 1-based: the second data row
        per_column = [_cells(letter, first, values[1:], kind, s_text, s_num, s_int)
                      for letter, values, kind in columns]
        spans = f"1:{len(columns)}"
        body = "".join(f'<row r="{r}" spans="{spans}">{"".join(cells)}</row>'
                       for r, cells in enumerate(zip(*per_column), start=first))
        last = f"{columns[-1][0]}{HEADER_ROW + 1 + nrows}"
        rows_xml[f"xl/worksheets/sheet{index}.xml"] = body.encode("utf-8"), last.encode()
    return _add_rows(buf.getvalue(), rows_xml)


def _add_rows(package: bytes, rows_xml: dict[str, tuple[bytes, bytes]]) -> bytes:
    """The package with each sheet's further rows added at the end of its sheetData."""
    if not rows_xml:
        return package
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            level = None
            if info.filename in rows_xml:
                body, last = rows_xml[info.filename]
                data = data.replace(b"</sheetData>", body + b"</sheetData>", 1)
                data = _DIMENSION.sub(b'<dimension ref="A1:' + last + b'"/>', data, count=1)
                level = 1  # tens of megabytes of XML: the fastest deflate, a slightly larger file
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, data, compresslevel=level)
    return out.getvalue()
