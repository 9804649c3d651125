"""Download files of recap tables: CSV (standard or Indonesian Excel) and formatted XLSX with a signature block.

Every cell that carries user text is neutralised against formula injection (a leading =, +, -, @, tab or
carriage return, also after leading whitespace, gets an apostrophe in front), in both formats. `neutralise`
is the one writer rule of the app: every CSV and spreadsheet the app produces passes its text through it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import clock, fmt
from core.config import get_settings
from db.models import OrgUnit, User

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"
PDF_TYPE = "application/pdf"
DIALECTS = {"standar": (",", "."), "excel_id": (";", ",")}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMAT = "#,##0.00"  # Excel shows it as #.##0,00 under an Indonesian locale
INTEGER_FORMAT = "#,##0"


def new_workbook() -> tuple[io.BytesIO, Any]:
    """A new in-memory workbook whose text stays text (never turned into a formula, a link or a number by
    xlsxwriter). Returns (buffer, workbook); the bytes are in the buffer once the workbook is closed."""
    import xlsxwriter

    buf = io.BytesIO()
    return buf, xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False})


def form_workbook(sheet: str) -> tuple[io.BytesIO, Any, Any]:
    """`new_workbook` for an official form (report, E.81, LKjIP) and its one sheet: (buffer, workbook, sheet)."""
    buf, wb = new_workbook()
    return buf, wb, wb.add_worksheet(sheet)


# the title lines of a recap workbook (to_xlsx), beside the form formats
RECAP_TITLE = {"title": {"bold": True, "font_size": 14}, "sub": {"font_size": 11}}


_BAND = "#DDEBF7"  # the light blue of group and total rows
FORM_FORMATS: dict[str, dict[str, Any]] = {
    "kop": {"bold": True, "align": "center", "font_size": 12},
    "title": {"bold": True, "align": "center", "font_size": 13},
    "center": {"align": "center"},
    "h2": {"bold": True, "font_size": 11},
    "head": {"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1, "text_wrap": True,
             "align": "center", "valign": "vcenter"},
    "text": {"border": 1, "text_wrap": True, "valign": "top"},
    "num": {"border": 1, "num_format": NUMBER_FORMAT, "valign": "top"},
    "int": {"border": 1, "num_format": INTEGER_FORMAT, "valign": "top"},
    "bold_text": {"border": 1, "bold": True, "text_wrap": True, "bg_color": _BAND},
    "bold_int": {"border": 1, "bold": True, "num_format": INTEGER_FORMAT, "bg_color": _BAND},
    "bold_num": {"border": 1, "bold": True, "num_format": NUMBER_FORMAT, "bg_color": _BAND},
    "sig": {"align": "center"},
    "sig_name": {"align": "center", "bold": True, "underline": True},
}


def form_formats(wb: Any, **extra: dict[str, Any]) -> dict[str, Any]:
    """The cell formats the office's official workbooks share (kop, title, blue header, bordered text and
    numbers, bands, signature), plus `extra` ones or overrides, added to `wb`."""
    return {name: wb.add_format(props) for name, props in {**FORM_FORMATS, **extra}.items()}


@dataclass(frozen=True)
class Signer:
    """Who signs a recap or report: the office's Kepala Dinas."""

    office_name: str
    title: str
    full_name: str
    pangkat: str
    nip: str
    place: str


def is_dangerous(value: Any) -> bool:
    """Text a spreadsheet could run as a formula: it starts with =, +, -, @, tab or CR, or does after
    leading whitespace (Excel and LibreOffice trim it on import). Only text: a real number is never
    dangerous, and writers keep it numeric."""
    if not isinstance(value, str) or not value:
        return False
    if value.startswith(("\t", "\r")):
        return True
    return value.lstrip().startswith(DANGEROUS)


def neutralise(value: Any) -> Any:
    """User text that a spreadsheet would run as a formula, made inert with a leading apostrophe.

    Only strings change; numbers (int, float, Decimal) pass through so writers keep them numeric.
    """
    if is_dangerous(value):
        return "'" + value
    return value


def unneutralise(value: Any) -> Any:
    """The text as entered, from a cell of a workbook the app wrote (the reverse of `neutralise`), so that
    an unchanged cell read back does not count as a change."""
    if isinstance(value, str) and value.startswith("'") and is_dangerous(value[1:]):
        return value[1:]
    return value


def set_text_cell(cell: Any, value: Any) -> Any:
    """Write a value to an openpyxl cell by the writer rule: strings neutralised and stored as text (never
    as a formula), numbers as numbers."""
    if isinstance(value, str):
        cell.value = neutralise(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def csv_bytes(rows: list[dict[str, Any]], columns: list[str], delimiter: str = ";") -> bytes:
    """A CSV (UTF-8 with BOM) of plain rows with every text cell neutralised; numbers stay as written."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, delimiter=delimiter, extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writerow({c: neutralise(c) for c in columns})
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else neutralise(row.get(k)) for k in columns})
    return buf.getvalue().encode("utf-8-sig")


def signer(session: Session, office_id: Optional[int]) -> Signer:
    office = session.get(OrgUnit, office_id) if office_id else None
    user = None
    if office_id is not None:
        user = session.scalar(
            select(User).join(OrgUnit, User.unit_id == OrgUnit.id)
            .where(User.role == "kepala_dinas", User.active.is_(True),
                   or_(OrgUnit.id == office_id, OrgUnit.office_id == office_id))
            .order_by(User.id))
    office_name = office.name if office else ""
    title = user.jabatan if user and user.jabatan else f"Kepala {office_name}".strip()
    return Signer(
        office_name=office_name,
        title=_with_regency(title),
        full_name=user.full_name if user else "",
        pangkat=user.pangkat if user else "",
        nip=user.nip or "" if user else "",
        place=get_settings().place,
    )


def _with_regency(title: str) -> str:
    return title if "Kabupaten" in title else f"{title} Kabupaten Kapuas Hulu"


def signature_lines(sig: Signer, on: dt.date, acknowledge: bool = True) -> list[str]:
    """The signature block, top to bottom, with blank lines for the wet signature.

    'Mengetahui,' heads it on recaps the head acknowledges; the head's own report omits it.
    """
    return [f"{sig.place}, {fmt.date(on)}", *(["Mengetahui,"] if acknowledge else []), sig.title, "", "", "",
            sig.full_name, sig.pangkat, f"NIP. {sig.nip}" if sig.nip else "NIP. –"]


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Decimals as floats (display only), booleans as Ya/Tidak, user text neutralised."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == bool:
            out[col] = s.map({True: "Ya", False: "Tidak"})
        elif s.dtype == object or pd.api.types.is_string_dtype(s):
            non_null = [v for v in s if v is not None and not (isinstance(v, float) and pd.isna(v))]
            if non_null and all(isinstance(v, (Decimal, int, float)) and not isinstance(v, bool)
                                for v in non_null):
                out[col] = pd.to_numeric(s.map(lambda v: None if v is None else float(v)), errors="coerce")
            elif non_null and all(isinstance(v, bool) for v in non_null):
                out[col] = s.map(lambda v: "" if v is None else ("Ya" if v else "Tidak"))
            else:
                out[col] = s.map(neutralise)
    return out


def to_csv(df: pd.DataFrame, dialect: str = "standar") -> bytes:
    """CSV in UTF-8 with BOM; 'standar' (comma, decimal point) or 'excel_id' (semicolon, decimal comma)."""
    sep, dec = DIALECTS[dialect]
    plain = _plain(df)
    return plain.to_csv(index=False, sep=sep, decimal=dec, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx(views: dict[str, pd.DataFrame], title: str, office: str, period: str,
            sig: Optional[Signer] = None, on: Optional[dt.date] = None,
            formats: Optional[dict[str, str]] = None) -> bytes:
    """One sheet per view: title block, styled and frozen header, autofilter, number formats, signature."""
    buf, wb = new_workbook()
    F = form_formats(wb, **RECAP_TITLE)
    f_title, f_sub, f_head, f_text, f_num, f_int = (F[k] for k in ("title", "sub", "head", "text", "num", "int"))
    f_sig, f_sig_name = F["sig"], F["sig_name"]
    formats = formats or {}
    header_row = 4
    for sheet_name, df in views.items():
        ws = wb.add_worksheet(_sheet_name(sheet_name))
        ws.write_string(0, 0, neutralise(office), f_sub)
        ws.write_string(1, 0, neutralise(title), f_title)
        ws.write_string(2, 0, neutralise(period), f_sub)
        plain = _plain(df)
        ncols = max(len(plain.columns), 1)
        for c, col in enumerate(plain.columns):
            ws.write_string(header_row, c, neutralise(str(col)), f_head)
            numeric = pd.api.types.is_numeric_dtype(plain[col])
            integer = numeric and pd.api.types.is_integer_dtype(plain[col])
            fmt_name = formats.get(str(col), "integer" if integer else "number" if numeric else "text")
            width = min(max([len(str(col))] + [len(str(v)) for v in plain[col].head(200)]) + 2, 60)
            ws.set_column(c, c, max(width, 10) if numeric else width)
            # _plain has already made numbers float and neutralised text; NaN is the one value != itself
            f_cell = (f_int if fmt_name == "integer" else f_num) if numeric else f_text
            for r, value in enumerate(plain[col].tolist(), start=header_row + 1):
                if value is None or value != value:
                    ws.write_blank(r, c, None, f_text)
                elif numeric or (isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)):
                    ws.write_number(r, c, float(value), f_cell if numeric else f_num)
                else:
                    ws.write_string(r, c, neutralise(str(value)), f_cell)
        last_row = header_row + len(plain)
        ws.freeze_panes(header_row + 1, 0)
        ws.autofilter(header_row, 0, max(last_row, header_row), ncols - 1)
        ws.set_row(header_row, 30)
        if sig is not None:
            col = max(ncols - 3, 0)
            row = last_row + 2
            for i, line in enumerate(signature_lines(sig, on or clock.today())):
                if line:
                    span_end = min(col + 2, max(ncols - 1, col))
                    style = f_sig_name if line == sig.full_name else f_sig
                    if span_end > col:
                        ws.merge_range(row + i, col, row + i, span_end, neutralise(line), style)
                    else:
                        ws.write_string(row + i, col, neutralise(line), style)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(header_row)
    wb.close()
    return buf.getvalue()


def _sheet_name(name: str) -> str:
    bad = '[]:*?/\\'
    clean = "".join("-" if ch in bad else ch for ch in name).strip("'")
    return (clean or "Data")[:31]


# --- PDF (reportlab) ------------------------------------------------------------------------------


def pdf_styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    return {
        "kop": ParagraphStyle("kop", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=12,
                              alignment=TA_CENTER, leading=15),
        "kop2": ParagraphStyle("kop2", parent=base["Normal"], fontSize=9, alignment=TA_CENTER, leading=11),
        "title": ParagraphStyle("title", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=12,
                                alignment=TA_CENTER, spaceBefore=6, spaceAfter=4, leading=15),
        "sub": ParagraphStyle("sub", parent=base["Normal"], fontSize=9, alignment=TA_CENTER, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=10,
                             spaceBefore=8, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontSize=7.5, leading=9),
        "head": ParagraphStyle("head", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=7.5,
                               leading=9, textColor="#FFFFFF", alignment=TA_CENTER),
        "body": ParagraphStyle("body", parent=base["Normal"], fontSize=9, leading=12),
        "sig": ParagraphStyle("sig", parent=base["Normal"], fontSize=9.5, leading=12, alignment=TA_CENTER),
    }


def pdf_escape(value: Any) -> str:
    """Text for a reportlab Paragraph: XML-escaped; the minus sign U+2212, which the PDF's standard Helvetica
    lacks (drawn with odd spacing, "(2T −R)"), as the en dash it has."""
    from xml.sax.saxutils import escape

    return escape("" if value is None else str(value)).replace("\u2212", "\u2013")


def words_fit(widths: list[float], rows: list[list[Any]], font_size: float = 7.5, padding: float = 12.5
              ) -> list[float]:
    """Column widths in which no word is broken ("perusahaa / n"): a column narrower than its longest word
    (header bold, cells regular) grows, and the widest column gives the room back, so the table keeps its
    width."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out = list(widths)
    for c in range(len(out)):
        need = 0.0
        for r, row in enumerate(rows):
            if c >= len(row) or row[c] is None:
                continue
            font = "Helvetica-Bold" if r == 0 else "Helvetica"
            for word in str(row[c]).split():
                need = max(need, stringWidth(word, font, font_size) + padding)
        if need > out[c]:
            out[c] = need
    extra = sum(out) - sum(widths)
    if extra > 0:
        widest = max(range(len(out)), key=lambda i: widths[i])
        out[widest] = max(widths[widest] - extra, widths[widest] * 0.6)
    return out


def pdf_table(rows: list[list[Any]], header: list[str], widths: Optional[list[float]] = None,
              numeric: Optional[set[int]] = None, bold_rows: Optional[set[int]] = None,
              colour_col: Optional[int] = None) -> Any:
    """A bordered table with a dark header row repeated on each page; cells wrap.

    `numeric` columns are right-aligned, `bold_rows` (0-based data rows) shaded, and the cells of
    `colour_col` tinted with their predicate's colour.
    """
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    st = pdf_styles()
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    from core.achievement import PREDICATE_COLOURS

    numeric = numeric or set()
    bold_rows = bold_rows or set()
    right = ParagraphStyle("right", parent=st["cell"], alignment=TA_RIGHT)
    data = [[Paragraph(pdf_escape(h), st["head"]) for h in header]]
    for r, row in enumerate(rows):
        cells = []
        for c, v in enumerate(row):
            text = pdf_escape(v)
            if r in bold_rows:
                text = f"<b>{text}</b>"
            cells.append(Paragraph(text, right if c in numeric else st["cell"]))
        data.append(cells)
    if widths:
        widths = words_fit(widths, [header, *rows])
    t = Table(data, colWidths=widths, repeatRows=1)
    style = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1F4E79")),
             ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    for r in bold_rows:
        style.append(("BACKGROUND", (0, r + 1), (-1, r + 1), colors.HexColor("#DDEBF7")))
    if colour_col is not None:
        for r, row in enumerate(rows):
            colour = PREDICATE_COLOURS.get(str(row[colour_col]))
            if colour:
                style.append(("BACKGROUND", (colour_col, r + 1), (colour_col, r + 1),
                              colors.HexColor(colour).clone(alpha=0.35)))
    t.setStyle(TableStyle(style))
    return t


def pdf_signature(sig: Signer, on: dt.date, acknowledge: bool = True) -> Any:
    """The signature block, right-aligned on the page."""
    from reportlab.platypus import Paragraph, Table, TableStyle

    st = pdf_styles()
    lines = signature_lines(sig, on, acknowledge)
    paras = []
    for line in lines:
        text = pdf_escape(line) or "&nbsp;"
        if line and line == sig.full_name:
            text = f"<u><b>{text}</b></u>"
        paras.append([Paragraph(text, st["sig"])])
    block = Table(paras, colWidths=[240])
    block.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    outer = Table([["", block]], colWidths=["*", 250])
    outer.hAlign = "RIGHT"
    return outer


REGENCY = "PEMERINTAH KABUPATEN KAPUAS HULU"
_REGENCY_SUFFIX = re.compile(r"[\s,]+KABUPATEN\s+KAPUAS\s+HULU\s*$")


def kop_office(office_name: str) -> str:
    """The office's line of a letterhead: its name in capitals without the regency, which the line above names
    ("DINAS TENAGA KERJA, PERINDUSTRIAN DAN TRANSMIGRASI", as a kop reads, on one line of a portrait page)."""
    upper = office_name.upper().strip()
    return _REGENCY_SUFFIX.sub("", upper) or upper


def kop(office_name: str) -> list[Any]:
    """The letterhead: regency and office, with a rule under it."""
    from reportlab.platypus import HRFlowable, Paragraph

    st = pdf_styles()
    return [Paragraph(REGENCY, st["kop"]),
            Paragraph(pdf_escape(kop_office(office_name)), st["kop"]),
            Paragraph("Putussibau, Kalimantan Barat", st["kop2"]),
            HRFlowable(width="100%", thickness=1.5, color="#000000", spaceBefore=3, spaceAfter=6)]


def to_pdf_table(df: pd.DataFrame, title: str, office: str, period: str, sig: Optional[Signer] = None,
                 on: Optional[dt.date] = None) -> bytes:
    """A printable one-table PDF (A4 landscape): kop, title, period, table, signature block."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    st = pdf_styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=28, rightMargin=28, topMargin=28,
                            bottomMargin=28, title=title, author=office)
    plain = _plain(df)
    rows = [[_pdf_value(v) for v in r] for r in plain.itertuples(index=False)]
    story = [*kop(office), Paragraph(pdf_escape(title), st["title"]), Paragraph(pdf_escape(period), st["sub"])]
    if rows:
        story.append(pdf_table(rows, [str(c) for c in plain.columns]))
    else:
        story.append(Paragraph("Tidak ada data.", st["body"]))
    if sig is not None:
        story += [Spacer(1, 14), pdf_signature(sig, on or clock.today())]
    doc.build(story)
    return buf.getvalue()


def _pdf_value(v: Any) -> str:
    from core import fmt as _fmt

    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _fmt.number(v)
    return str(v)
