"""The quarterly report in the official layout: kop, tables per sasaran, budget, summary, kendala, signature."""

import copy
import datetime as dt
import io

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from core import report_doc
from db.models import CollectionRound, OrgUnit


def _round(session, year=2026, quarter=2):
    office = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))
    return session.scalar(select(CollectionRound.id).where(
        CollectionRound.office_id == office, CollectionRound.year == year, CollectionRound.quarter == quarter))


def _pdf_text(bundle) -> str:
    pdf = next(f for f in bundle.files if f.name.endswith(".pdf"))
    assert pdf.media_type == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)


def test_pdf_holds_title_indicator_rows_budget_and_signature(session):
    bundle = report_doc.build_report(session, _round(session), "draf", 1, on=dt.date(2026, 7, 20))
    assert [f.name for f in bundle.files] == ["laporan-capaian-kinerja-2026-tw2-draf-v1.xlsx",
                                             "laporan-capaian-kinerja-2026-tw2-draf-v1.pdf",
                                             "evaluasi-renja-2026-tw2-draf-v1.xlsx",
                                             "evaluasi-renja-2026-tw2-draf-v1.pdf"]
    text = _pdf_text(bundle)
    assert "PEMERINTAH KABUPATEN KAPUAS HULU" in text
    assert "LAPORAN CAPAIAN KINERJA TRIWULAN II TAHUN 2026" in text
    assert "Sasaran Strategis: S1" in text
    for line in bundle.lines:
        if line["type"] == "indikator":
            assert line["code"] in text
    assert "Tingkat Pengangguran Terbuka" in text
    assert "Realisasi Anggaran per Program / Kegiatan" in text and "Rp " in text
    assert "Ringkasan" in text and "Rata-rata capaian triwulan" in text
    assert "Kendala dan Tindak Lanjut" in text
    assert "Putussibau, 20 Juli 2026" in text
    assert "Drs. Yohanes Sudarsono, M.Si." in text and "NIP. 197204151998031007" in text


def test_report_renders_the_given_corrected_lines(session):
    rid = _round(session)
    lines = copy.deepcopy(report_doc.report_lines(session, rid))
    first = next(x for x in lines if x["type"] == "indikator")
    first["realisasi_tw"] = "4321.5"
    first["kendala"] = "=HYPERLINK(\"http://x\")"
    bundle = report_doc.build_report(session, rid, "koreksi", 2, lines, charts=False)
    assert bundle.lines is lines
    assert "4.321,5" in _pdf_text(bundle)
    xlsx = next(f for f in bundle.files if f.name.endswith(".xlsx"))
    ws = load_workbook(io.BytesIO(xlsx.content))["Laporan"]
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert 4321.5 in values
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_xlsx_has_the_official_sections_and_number_formats(session):
    bundle = report_doc.build_report(session, _round(session), "final", 3, on=dt.date(2026, 7, 20), charts=False)
    xlsx = next(f for f in bundle.files if f.name.endswith(".xlsx"))
    ws = load_workbook(io.BytesIO(xlsx.content))["Laporan"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "PEMERINTAH KABUPATEN KAPUAS HULU" in texts
    assert "Laporan Capaian Kinerja Triwulan II Tahun 2026" in texts and "Final versi 3" in texts
    assert "Realisasi Anggaran per Program / Kegiatan" in texts and "Ringkasan" in texts
    assert "Putussibau, 20 Juli 2026" in texts and "NIP. 197204151998031007" in texts
    numbers = [c for row in ws.iter_rows() for c in row if isinstance(c.value, float)]
    assert numbers and all(c.number_format in ("#,##0.00", "#,##0") for c in numbers)


def test_report_lines_keep_their_keys(session):
    lines = report_doc.report_lines(session, _round(session))
    ind = next(x for x in lines if x["type"] == "indikator")
    for key in ("key", "sasaran", "code", "name", "satuan", "target_tahunan", "target_tw", "target_ytd",
                "realisasi_tw", "realisasi_ytd", "capaian_tw", "capaian_tw_reason", "capaian_ytd", "predikat",
                "kendala", "tindak_lanjut"):
        assert key in ind
    bl = next(x for x in lines if x["type"] == "anggaran")
    for key in ("key", "code", "program", "kegiatan", "sub_kegiatan", "pagu", "realisasi_tw", "realisasi_ytd",
                "serapan_tw", "serapan_ytd"):
        assert key in bl


def test_pdf_breaks_no_word_of_a_narrow_column(session):
    """The satuan 'perusahaan' and the predicate 'Sangat Rendah' stay whole words in the PDF (the Satuan column
    was 48 pt: 'perusahaa / n')."""
    bundle = report_doc.build_report(session, _round(session), "draf", 1, on=dt.date(2026, 7, 20))
    words = set(_pdf_text(bundle).split())
    satuan = {line["satuan"] for line in bundle.lines if line["type"] == "indikator"}
    assert "perusahaan" in satuan
    for s in satuan:
        for word in s.split():
            assert word in words, word
    assert "perusahaa" not in words


def test_words_fit_widens_a_column_narrower_than_its_longest_word_and_keeps_the_table_width():
    from core.exports import words_fit

    widths = [22, 190, 48, 70]
    out = words_fit(widths, [["No", "Indikator", "Satuan", "Predikat"], [1, "Jumlah perusahaan", "perusahaan",
                                                                         "Sangat Tinggi"]])
    assert out[2] > 48 and out[3] == 70 and out[1] < 190  # the Indikator column gives the room back
    assert abs(sum(out) - sum(widths)) < 1e-6


def test_chart_png_is_drawn_once_per_data_and_again_when_the_data_changes(session, monkeypatch):
    """The chart PNG is kept per chart data: a second build of the same data draws nothing, a change does."""
    drawn = []
    real = report_doc._draw_chart
    monkeypatch.setattr(report_doc, "_draw_chart", lambda rows: drawn.append(rows) or real(rows))
    report_doc._CHART_CACHE.clear()
    rid = _round(session)
    lines = report_doc.report_lines(session, rid)
    first = report_doc.build_report(session, rid, "draf", 1, lines, on=dt.date(2026, 7, 20))
    again = report_doc.build_report(session, rid, "draf", 2, lines, on=dt.date(2026, 7, 20))
    assert len(drawn) == 1
    assert first.files[1].content[:4] == again.files[1].content[:4] == b"%PDF"
    changed = copy.deepcopy(lines)
    line = next(x for x in changed if x["type"] == "indikator" and x.get("capaian_tw"))
    line["capaian_tw"] = "1.00"
    report_doc.build_report(session, rid, "draf", 3, changed, on=dt.date(2026, 7, 20))
    assert len(drawn) == 2
