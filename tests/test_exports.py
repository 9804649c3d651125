"""Downloads open cleanly: XLSX values, formats, frozen header, filter, signature; CSV round-trips; no formulas."""

import datetime as dt
import io
from decimal import Decimal as D

import pandas as pd
import pytest
from openpyxl import load_workbook

from core import exports, recap
from tests.recap_fixtures import YEAR, build_small_office

SIG = exports.Signer(office_name="Dinas Uji", title="Kepala Dinas Uji Kabupaten Kapuas Hulu",
                     full_name="Drs. Kepala Uji", pangkat="Pembina Utama Muda (IV/c)", nip="197001011995031001",
                     place="Putussibau")


def _frame():
    return pd.DataFrame({
        "Kode": ["A-1", "A-2", "A-3"],
        "Kendala": ['=HYPERLINK("http://jahat","klik")', "+1+2", "biasa"],
        "Tindak Lanjut": ["@SUM(A1)", "-3", "\tcmd"],
        "Capaian (%)": [D("1234.56"), None, D("87.5")],
        "IKU": [True, False, True],
        "Jumlah": [3, 4, 5],
    })


def test_neutralise_prefixes_formula_starters_only():
    assert exports.neutralise("=1+1") == "'=1+1"
    for lead in ("+", "-", "@", "\t", "\r"):
        assert exports.neutralise(lead + "x") == "'" + lead + "x"
    assert exports.neutralise("Biasa") == "Biasa" and exports.neutralise(5) == 5


def test_csv_standard_round_trips_with_pandas_and_has_bom():
    data = exports.to_csv(_frame(), "standar")
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back["Kode"]) == ["A-1", "A-2", "A-3"]
    assert back["Capaian (%)"][0] == 1234.56 and pd.isna(back["Capaian (%)"][1])
    assert back["Kendala"][0] == "'=HYPERLINK(\"http://jahat\",\"klik\")"
    assert list(back["IKU"]) == ["Ya", "Tidak", "Ya"]


def test_csv_indonesian_excel_uses_semicolon_and_decimal_comma():
    data = exports.to_csv(_frame(), "excel_id")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Kode;Kendala;Tindak Lanjut;Capaian (%);IKU;Jumlah"
    assert "1234,56" in text
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert back["Capaian (%)"][2] == 87.5
    assert back["Tindak Lanjut"][1] == "'-3" and back["Tindak Lanjut"][2] == "'\tcmd"


def test_xlsx_has_title_header_formats_filter_and_signature():
    data = exports.to_xlsx({"Indikator": _frame(), "Kedua": _frame()}, "Rekap Uji", "Dinas Uji", "TW II 2026",
                           SIG, dt.date(2026, 10, 5))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Indikator", "Kedua"]
    ws = wb["Indikator"]
    assert ws["A1"].value == "Dinas Uji" and ws["A2"].value == "Rekap Uji" and ws["A3"].value == "TW II 2026"
    assert [c.value for c in ws[5]][:6] == ["Kode", "Kendala", "Tindak Lanjut", "Capaian (%)", "IKU", "Jumlah"]
    assert ws.freeze_panes == "A6"
    assert ws.auto_filter.ref == "A5:F8"
    assert ws["D6"].value == 1234.56 and ws["D6"].number_format == "#,##0.00"
    assert ws["D7"].value is None
    assert ws["F6"].value == 3 and ws["F6"].number_format == "#,##0"  # counts stay whole numbers
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for line in ("Putussibau, 5 Oktober 2026", "Mengetahui,", "Kepala Dinas Uji Kabupaten Kapuas Hulu",
                 "Drs. Kepala Uji", "NIP. 197001011995031001"):
        assert line in texts


def test_xlsx_holds_no_formula_from_user_text():
    data = exports.to_xlsx({"Data": _frame()}, "Rekap", "Dinas", "TW I", SIG)
    ws = load_workbook(io.BytesIO(data))["Data"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    assert ws["B6"].value == "'=HYPERLINK(\"http://jahat\",\"klik\")"


def test_signer_is_the_kepala_dinas_of_the_office(session):
    from sqlalchemy import select

    from db.models import OrgUnit

    office_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))
    sig = exports.signer(session, office_id)
    assert sig.full_name == "Drs. Yohanes Sudarsono, M.Si." and sig.nip == "197204151998031007"
    assert sig.place == "Putussibau" and sig.title.endswith("Kabupaten Kapuas Hulu")


def test_recap_with_user_text_exports_without_formulas(session):
    f = build_small_office(session)
    df = recap.labelled(recap.quarterly_long(session, f["office"].id, YEAR))
    from sqlalchemy import select

    from db.models import Realization

    kendala = session.scalars(select(Realization.kendala).where(Realization.indicator_id == f["neg"].id)).first()
    df["Kendala"] = kendala
    ws = load_workbook(io.BytesIO(exports.to_xlsx({"Rekap": df}, "R", "D", "P")))["Rekap"]
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert any(str(c.value).startswith("'=HYPERLINK") for row in ws.iter_rows() for c in row)


@pytest.mark.parametrize("name, line", [
    ("Dinas Tenaga Kerja, Perindustrian dan Transmigrasi Kabupaten Kapuas Hulu",
     "DINAS TENAGA KERJA, PERINDUSTRIAN DAN TRANSMIGRASI"),
    ("Badan Perencanaan Pembangunan Daerah, Kabupaten  Kapuas Hulu ", "BADAN PERENCANAAN PEMBANGUNAN DAERAH"),
    ("Dinas Kesehatan", "DINAS KESEHATAN"),
    ("Kabupaten Kapuas Hulu", "KABUPATEN KAPUAS HULU"),  # nothing else to name: kept whole
])
def test_the_kop_names_the_office_without_the_regency_of_the_line_above(name, line):
    assert exports.REGENCY == "PEMERINTAH KABUPATEN KAPUAS HULU"
    assert exports.kop_office(name) == line
