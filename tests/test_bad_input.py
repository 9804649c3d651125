"""Bad input through the real services: refused with an Indonesian message, nothing half saved.

Hypothesis generates values for every numeric field a person types (realisation, budget spent,
targets, pagu, a planner's proposed value): words, NaN, infinity, negatives where not allowed, numbers
too large for the database, broken grouping. Each one must raise InvalidInput whose message says what
to fix, and the save it was part of must leave the database exactly as it was — including the good
values typed beside it. Indonesian "1.234,5" means 1234.5; English "1,234.5" is refused with what to write.

Evidence uploads: empty, over the size limit, a disallowed type, content that does not match the
extension, names made to escape the upload folder. Text fields: very long, control characters, HTML
and Markdown meant to inject into a page — stored as text, never a database error.
"""

from __future__ import annotations

import io
import json
import math
import string
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core import evidence, imports, masterdata, review, round_status, unit_workbook, workbook_read
from core.backup import table_counts
from core.config import get_settings
from core.errors import InvalidInput, KinerjaError
from core.steps import disposisi, isi_data, koreksi, pengolahan, penyusunan
from core.uow import unit_of_work
from db.models import BudgetLine, Evidence, Indicator, Realization, Target
from tests import factories
from tests.test_authorization_matrix import PDF

ROOT = Path(__file__).resolve().parent.parent
COUNTS: dict[str, int] = {}
PG_EXAMPLES, SQLITE_EXAMPLES = 40, 150
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HINTS = ("wajib diisi", "bukan angka", "tidak boleh negatif", "terlalu besar", "Tulis angka", "Perbaiki", "harus berupa angka",
         "bila itu yang Anda maksud", "angka di belakang koma")


def _count(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


def examples(db_url: str):
    return settings(max_examples=PG_EXAMPLES if db_url.startswith("postgresql") else SQLITE_EXAMPLES,
                    deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- generated bad numbers ------------------------------------------------------------------------

words = st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=12).filter(lambda s: s.strip())
special = st.sampled_from([
    "NaN", "nan", "inf", "-inf", "Infinity", "1e5", "1E-3", "1,2,3,4", "1.2.3,4,5", "--1", "1-", "12abc", "Rp",
    "%", "1.234,5.6", "1,234,5", "12,,5", ",", ".", "1 000 000,5,2", "0x1F", "½", "∞", "1/2", "(5)", "+-3",
])
floats_bad = st.sampled_from([math.nan, math.inf, -math.inf])
decimals_bad = st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")])
huge = st.one_of(st.integers(min_value=10**16, max_value=10**40),
                 st.integers(min_value=10**16, max_value=10**30).map(lambda n: f"{n:,}".replace(",", ".")),
                 st.floats(min_value=1e17, max_value=1e300))
negative = st.one_of(st.integers(max_value=-1, min_value=-10**9),
                     st.decimals(max_value=Decimal("-0.0001"), min_value=Decimal("-1e9"), places=4,
                                 allow_nan=False, allow_infinity=False),
                     st.integers(min_value=1, max_value=10**6).map(lambda n: f"-{n}"),
                     st.integers(min_value=1, max_value=10**6).map(lambda n: f"-{n:,}".replace(",", ".") + ",5"))
not_a_number = st.one_of(words, special, floats_bad, decimals_bad, huge)
bad_non_negative = st.one_of(not_a_number, negative)


def _refused_in_indonesian(err: InvalidInput) -> None:
    text = " ".join([err.message, *err.problems])
    assert any(h in text for h in HINTS), text


# --- state ----------------------------------------------------------------------------------------


@pytest.fixture
def draft(db_url, actors):
    """TW III 2026 at step 3 with Bidang Pelatihan's data in draft."""
    with unit_of_work(db_url) as s:
        rnd = factories.make_round(s, at="isi_data", state="draf")
        sub = factories.submission_of(s, rnd, "BID-LATTAS")
        inds = [i.id for i in s.scalars(select(Indicator).where(Indicator.owner_unit_id == sub.unit_id)
                                        .order_by(Indicator.id))]
        line = s.scalar(select(BudgetLine).where(BudgetLine.owner_unit_id == sub.unit_id, BudgetLine.year == 2026)
                        .order_by(BudgetLine.id))
        return {"round": rnd.id, "sub": sub.id, "inds": inds, "line": line.id, "kabid": actors["kabid_lattas"],
                "admin": actors["admin"], "penyusun": actors["penyusun"], "kadis": actors["kadis"],
                "sekdis": actors["sekdis"], "perencana": actors["perencana"]}


def _snapshot(url: str, sub_id: int):
    with unit_of_work(url) as s:
        reals = sorted((r.indicator_id, str(r.value), r.note, r.kendala, r.version)
                       for r in s.scalars(select(Realization).where(Realization.submission_id == sub_id)))
        return table_counts(s), reals


def _refused_whole(url, sub_id, call):
    before = _snapshot(url, sub_id)
    with pytest.raises(InvalidInput) as info:
        with unit_of_work(url) as s:
            call(s)
    _refused_in_indonesian(info.value)
    assert _snapshot(url, sub_id) == before, "a refused save changed the database"


# --- numeric fields -------------------------------------------------------------------------------


def test_realisation_refuses_bad_numbers_and_keeps_the_good_ones_unsaved(db_url, draft):
    good, bad_ind = draft["inds"][0], draft["inds"][1]

    @examples(db_url)
    @given(bad=bad_non_negative)
    def check(bad):
        _count("realisasi")
        _refused_whole(db_url, draft["sub"], lambda s: isi_data.save_entries(s, draft["kabid"], draft["sub"], {
            good: {"Realisasi TW": "11", "Catatan": "Nilai yang benar."},
            bad_ind: {"Realisasi TW": bad}}))
    check()


def test_budget_spent_refuses_bad_numbers(db_url, draft):
    @examples(db_url)
    @given(bad=bad_non_negative)
    def check(bad):
        _count("realisasi_anggaran")
        _refused_whole(db_url, draft["sub"], lambda s: isi_data.save_budget(
            s, draft["kabid"], draft["sub"], {draft["line"]: bad}))
    check()


def test_targets_refuse_bad_numbers(db_url, draft):
    ind = draft["inds"][0]

    # (a float NaN is how the target grid hands over an emptied cell: it clears the value by design)
    @examples(db_url)
    @given(bad=not_a_number.filter(lambda v: not (isinstance(v, float) and v != v)),
           quarter=st.sampled_from(["annual", "q1", "q2", "q3", "q4"]))
    def check(bad, quarter):
        _count("target")
        _refused_whole(db_url, draft["sub"], lambda s: masterdata.save_target(
            s, draft["admin"], ind, 2026, **{quarter: bad}, mismatch_reason="RA mengikuti jadwal kegiatan"))
    check()


def test_pagu_refuses_bad_numbers(db_url, draft):
    @examples(db_url)
    @given(bad=bad_non_negative)
    def check(bad):
        _count("pagu")
        _refused_whole(db_url, draft["sub"], lambda s: masterdata.update_budget_line(
            s, draft["admin"], draft["line"], pagu=bad))
    check()


@pytest.fixture
def correcting(db_url, actors):
    with unit_of_work(db_url) as s:
        rnd = factories.make_round(s, at="penyusunan", state="diterima")
        rep = penyusunan.compile_draft(s, actors["penyusun"], rnd.id)
        koreksi.send_to_planner(s, actors["sekdis"], rnd.id)
        return {"round": rnd.id, "report": rep.id, "sub": 0}


def test_proposed_correction_values_refuse_bad_numbers(db_url, actors, correcting):
    @examples(db_url)
    # the numbers a correction can propose: an indicator's and a budget line's Realisasi TW (capaian and the
    # other computed fields take no proposed value at all)
    @given(bad=bad_non_negative, key=st.sampled_from(["IND:IK-03", "BL:2.07.01.2.02.0001"]))
    def check(bad, key):
        _count("usulan_koreksi")
        _refused_whole(db_url, 0, lambda s: koreksi.add_correction(
            s, actors["perencana"], correcting["report"], key, "realisasi_tw", "Sesuaikan.", str(bad)))
    check()


@pytest.mark.parametrize("typed", ["1.234,5", "1234,5", " 1.234,50 ", "Rp 1.234,5"])
def test_indonesian_writing_means_1234_5_everywhere(db_url, draft, typed):
    ind = draft["inds"][0]
    with unit_of_work(db_url) as s:
        isi_data.save_entries(s, draft["kabid"], draft["sub"], {ind: {"Realisasi TW": typed}})
        isi_data.save_budget(s, draft["kabid"], draft["sub"], {draft["line"]: typed})
        masterdata.save_target(s, draft["admin"], ind, 2026, q4=typed, mismatch_reason="RA mengikuti jadwal kegiatan")
    with unit_of_work(db_url) as s:
        r = s.scalar(select(Realization).where(Realization.submission_id == draft["sub"],
                                               Realization.indicator_id == ind))
        assert r.value == Decimal("1234.5")
        assert s.scalar(select(Target.q4).where(Target.indicator_id == ind, Target.year == 2026)) == Decimal("1234.5")
    _count("format_angka")


@pytest.mark.parametrize("typed", ["1,234.5", "1234.5"])
def test_english_writing_is_refused_everywhere_with_nothing_saved(db_url, draft, typed):
    ind = draft["inds"][0]
    for save in (lambda s: isi_data.save_entries(s, draft["kabid"], draft["sub"], {ind: {"Realisasi TW": typed}}),
                 lambda s: isi_data.save_budget(s, draft["kabid"], draft["sub"], {draft["line"]: typed}),
                 lambda s: masterdata.save_target(s, draft["admin"], ind, 2026, q4=typed, mismatch_reason="RA mengikuti jadwal kegiatan")):
        with pytest.raises(InvalidInput) as err:
            with unit_of_work(db_url) as s:
                save(s)
        assert "Tulis 1.234,5 bila itu yang Anda maksud." in " ".join([err.value.message, *err.value.problems])
    with unit_of_work(db_url) as s:
        assert s.scalar(select(Realization.value).where(Realization.submission_id == draft["sub"],
                                                        Realization.indicator_id == ind)) != Decimal("1234.5")


@pytest.mark.parametrize("typed", ["1.234,5", "1234,5"])
def test_correction_reads_numbers_like_every_other_field(db_url, actors, correcting, typed):
    with unit_of_work(db_url) as s:
        c = koreksi.add_correction(s, actors["perencana"], correcting["report"], "IND:IK-03", "realisasi_tw",
                                     "Angka menurut daftar penempatan.", typed)
        assert Decimal(c.proposed_value) == Decimal("1234.5")
    _count("format_angka")


# --- evidence uploads -----------------------------------------------------------------------------


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _upload_refused(db_url, draft, name, data, match):
    root = get_settings().upload_dir
    before_files = _files(root)
    before = _snapshot(db_url, draft["sub"])
    with pytest.raises(InvalidInput, match=match):
        with unit_of_work(db_url) as s:
            evidence.store_evidence(s, draft["kabid"], draft["sub"], draft["inds"][0], name, data)
    assert _snapshot(db_url, draft["sub"]) == before
    assert _files(root) == before_files
    _count("bukti_dukung")


def test_empty_upload_is_refused(db_url, draft):
    _upload_refused(db_url, draft, "daftar-hadir.pdf", b"", "kosong")


def test_upload_over_the_size_limit_is_refused(db_url, draft, monkeypatch):
    monkeypatch.setenv("KINERJA_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    _upload_refused(db_url, draft, "besar.pdf", PDF + b"0" * (1024 * 1024), "terlalu besar")


@pytest.mark.parametrize("name", ["skrip.exe", "halaman.html", "gambar.svg", "kode.js", "arsip.zip", "tanpa-ekstensi",
                                  "makro.xlsm", "data.csv"])
def test_disallowed_types_are_refused(db_url, draft, name):
    _upload_refused(db_url, draft, name, PDF, "jenis berkas yang diizinkan")


@pytest.mark.parametrize("name,data", [("foto.png", PDF), ("laporan.pdf", PNG),
                                       ("laporan.pdf", b"<html><script>alert(1)</script></html>"),
                                       ("tabel.xlsx", PDF), ("surat.docx", b"PK\x03\x04bukan-docx"),
                                       ("foto.jpg", b"GIF89a......")])
def test_content_that_does_not_match_the_extension_is_refused(db_url, draft, name, data):
    _upload_refused(db_url, draft, name, data, "tidak sesuai dengan ekstensi")


ESCAPES = ["../../../etc/passwd.pdf", "..\\..\\windows\\system.pdf", "/etc/shadow.pdf", "C:\\boot.pdf",
           "....//....//x.pdf", "uploads/../../x.pdf", "%2e%2e%2fx.pdf", "\x00evil.pdf", "a\nb.pdf", ".pdf",
           "~/.ssh/id.pdf", "con.pdf", "\u202efdp.exe.pdf"]


def _stored_safely(db_url, draft, name):
    root = get_settings().upload_dir.resolve()
    try:
        with unit_of_work(db_url) as s:
            ev = evidence.store_evidence(s, draft["kabid"], draft["sub"], draft["inds"][0], name, PDF)
            ev_id = ev.id
    except InvalidInput as err:
        _refused_in_indonesian_or_named(err)
        return
    with unit_of_work(db_url) as s:
        ev = s.get(Evidence, ev_id)
        path = (root / ev.stored_path).resolve()
        assert root in path.parents, f"{name!r} stored outside the upload folder: {path}"
        assert path.read_bytes() == PDF
        assert not any(c in ev.filename for c in "/\\\x00\n\r"), ev.filename
        assert not ev.filename.startswith(".")
        fname, _media, data = evidence.read_evidence(s, draft["kabid"], ev_id)
        assert data == PDF
    for p in _files(root.parent):
        assert root in p.resolve().parents or p.resolve().parent == root.parent or "archive" in p.parts \
            or "cadangan" in p.parts or p.suffix in (".db", ".db-wal", ".db-shm"), p


def _refused_in_indonesian_or_named(err: InvalidInput) -> None:
    assert "Berkas" in err.message or "berkas" in err.message, err.message


@pytest.mark.parametrize("name", ESCAPES)
def test_names_made_to_escape_the_upload_folder_stay_inside(db_url, draft, name):
    _stored_safely(db_url, draft, name)
    _count("bukti_dukung")


def test_generated_file_names_stay_inside_the_upload_folder(db_url, draft):
    @examples(db_url)
    @given(stem=st.text(min_size=0, max_size=300), sep=st.sampled_from(["/", "\\", "../", "..\\", ""]))
    def check(stem, sep):
        _count("bukti_dukung")
        _stored_safely(db_url, draft, f"{sep}{stem}{sep}x.pdf")
    check()


# --- text fields ----------------------------------------------------------------------------------

INJECTION = [
    "<script>alert('kinerja')</script>", "<img src=x onerror=alert(1)>", "[Klik](javascript:alert(1))",
    "![x](http://contoh.invalid/p.png)", "# JUDUL PALSU", ":red[DITOLAK]", "$\\frac{1}{0}$",
    "=HYPERLINK(\"http://contoh.invalid\",\"klik\")", "'; DROP TABLE realizations; --", "Robert'); --",
]
texts = st.one_of(
    st.text(min_size=1, max_size=400),
    st.sampled_from(INJECTION),
    st.text(alphabet=st.sampled_from("\x00\x01\x07\x08\x1b\x7f\u202e\u200b\ufeff\r\n\t ab<>&\"'`*_[]()#|"),
            min_size=1, max_size=60),
    st.integers(min_value=10_000, max_value=200_000).map(lambda n: "Kendala panjang. " * (n // 17)),
)


def _stored_as_text(sent: str, stored: str) -> None:
    """Stored exactly as typed, except what cannot be stored as text: NUL (and, only then, nothing else)."""
    assert stored == sent.strip() or stored == sent.replace("\x00", "").strip(), (sent[:80], stored[:80])


def test_realisation_texts_are_stored_as_text(db_url, draft):
    ind = draft["inds"][0]

    @examples(db_url)
    @given(kendala=texts, catatan=texts)
    @example(kendala="nilai\x00 terpotong", catatan="\x00<script>alert(1)</script>")
    def check(kendala, catatan):
        _count("teks")
        try:
            with unit_of_work(db_url) as s:
                isi_data.save_entries(s, draft["kabid"], draft["sub"], {ind: {"Kendala": kendala, "Catatan": catatan}})
        except KinerjaError as err:  # a clear refusal is acceptable; a database error is not
            assert isinstance(err, InvalidInput) and err.message
            return
        with unit_of_work(db_url) as s:
            r = s.scalar(select(Realization).where(Realization.submission_id == draft["sub"],
                                                   Realization.indicator_id == ind))
            _stored_as_text(kendala, r.kendala)
            _stored_as_text(catatan, r.note)
    check()


def test_review_notes_and_answers_are_stored_as_text(db_url, actors):
    with unit_of_work(db_url) as s:
        rnd = factories.make_round(s, at="pengolahan", state="diajukan")
        sub_id = factories.submission_of(s, rnd, "BID-LATTAS").id

    @examples(db_url)
    @given(note=texts)
    @example(note="0\x00")
    def check(note):
        _count("teks")
        assume(note.strip().replace("\x00", ""))
        try:
            with unit_of_work(db_url) as s:
                c = pengolahan.add_comment(s, actors["penyusun"], sub_id, None, note)
                cid = c.id
        except KinerjaError as err:
            assert isinstance(err, InvalidInput) and err.message
            return
        with unit_of_work(db_url) as s:
            stored = review.comments_for(s, factories.actor(s, "penyusun"), sub_id).set_index("comment_id").loc[cid, "text"]
            _stored_as_text(note, stored)
    check()


def test_round_instruction_and_extension_reason_are_stored_as_text(db_url, actors):
    import datetime as dt

    long_text = "<b>Segera</b> [isi](http://x) " + "x" * 100_000 + "\x00\x1b"
    try:
        with unit_of_work(db_url) as s:
            rnd = disposisi.open_round(s, actors["kadis"], 2026, 3, long_text, dt.date(2026, 10, 20),
                                    today=dt.date(2026, 10, 5))
            rid = rnd.id
    except KinerjaError as err:
        assert isinstance(err, InvalidInput)
        return
    with unit_of_work(db_url) as s:
        info = round_status.open_rounds(s, actors["kadis"].office_id)[0]
        assert info.id == rid
        _stored_as_text(long_text, info.instruction)
    _count("teks")


# --- uploaded workbooks: bounded, and every broken file refused in Indonesian -------------------------

FILE_HINTS = ("bukan berkas Excel", "rusak", "paling banyak", "kosong", "terenkripsi", ".xls", "bukan lembar kerja",
              "tidak ditemukan", "terlalu besar", "kata sandi")
CONTENT_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 b'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
                 b'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def declared_workbook(sheet: str, rows: int, cols: int) -> bytes:
    """A hand-made .xlsx of about 1.5 KB whose one sheet declares <dimension ref="A1:{col}{row}"/> and holds one
    cell there — what openpyxl would pad to rows × cols cells."""
    ref = f"{_letters(cols)}{rows}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.'
                   f'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:{ref}"/><sheetData>'
                   f'<row r="{rows}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>')
    return buf.getvalue()


def _rezip(data: bytes, change) -> bytes:
    """The zip rebuilt with change(name, bytes) -> bytes applied to every member."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            zout.writestr(name, change(name, zin.read(name)))
    return out.getvalue()


def _encrypted_flag(data: bytes) -> bytes:
    """The zip with every member marked as encrypted (general purpose bit 0), as a locked archive has it."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = out.find(sig)
        while i != -1:
            out[i + offset] |= 0x01
            i = out.find(sig, i + 4)
    return bytes(out)


@pytest.fixture
def books(db_url, draft):
    """A real unit workbook of the draft and a real PK template, to break in every way."""
    with unit_of_work(db_url) as s:
        book = unit_workbook.unit_workbook(s, draft["kabid"], draft["sub"])
        template = imports.template("PK", s, draft["admin"].office_id, 2026)
    return {"unit": book, "PK": template}


def _workbook_refused(db_url, draft, data: bytes, which: str = "both") -> list[str]:
    """Both readers of an uploaded workbook refuse `data` with an Indonesian message; nothing changes."""
    root = get_settings().upload_dir
    before, before_files = _snapshot(db_url, draft["sub"]), _files(root)
    messages = []
    calls = []
    if which in ("both", "unit"):
        calls += [lambda s: unit_workbook.parse_unit_workbook(s, draft["kabid"], draft["sub"], data),
                  lambda s: unit_workbook.apply_unit_workbook(s, draft["kabid"], draft["sub"], data)]
    if which in ("both", "import"):
        calls += [lambda s: imports.parse("PK", data, s, draft["admin"].office_id),
                  lambda s: imports.commit(s, draft["admin"], data, kind="PK", office_id=draft["admin"].office_id)]
    for call in calls:
        try:
            with unit_of_work(db_url) as s:
                preview = call(s)
        except InvalidInput as err:
            text = " ".join([err.message, *err.problems])
        else:  # the unit workbook's preview lists what is wrong instead of raising; apply then refuses
            assert getattr(preview, "errors", None), f"{call} accepted a broken workbook"
            text = " ".join(preview.errors)
        assert any(h in text for h in FILE_HINTS), text
        assert not any(t in text for t in ("Traceback", "ParseError", "site-packages", str(ROOT))), text
        messages.append(text)
    assert _snapshot(db_url, draft["sub"]) == before
    assert _files(root) == before_files
    _count("lembar_kerja_unggah")
    return messages


def _files_examples(db_url: str):
    return settings(max_examples=8 if db_url.startswith("postgresql") else 25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


extreme_dims = st.one_of(
    st.tuples(st.integers(min_value=workbook_read.MAX_SHEET_ROWS + 1, max_value=1_048_576),
              st.integers(min_value=1, max_value=16_384)),
    st.tuples(st.integers(min_value=1, max_value=1_048_576),
              st.integers(min_value=workbook_read.MAX_SHEET_COLUMNS + 1, max_value=16_384)))


def test_workbooks_declaring_extreme_dimensions_are_refused_before_openpyxl(db_url, draft, monkeypatch):
    def no_openpyxl(data):
        raise AssertionError("openpyxl opened a workbook the pre-check should have refused")

    monkeypatch.setattr(workbook_read, "_load", no_openpyxl)

    @_files_examples(db_url)
    @given(dims=extreme_dims, sheet=st.sampled_from(["Indikator", "PK", "Realisasi"]))
    @example(dims=(1_048_576, 16_384), sheet="Realisasi")
    def run(dims, sheet):
        data = declared_workbook(sheet, *dims)
        assert len(data) < 2048
        for text in _workbook_refused(db_url, draft, data):
            assert f"Lembar '{sheet}' menyatakan" in text and "paling banyak" in text

    run()


def test_the_8_kb_xfd1048576_workbook_is_refused_by_the_pre_check(db_url, draft, monkeypatch):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Indikator"
    wb.active["XFD1048576"] = "x"
    out = io.BytesIO()
    wb.save(out)
    calls = []
    monkeypatch.setattr(workbook_read, "_load", lambda data: calls.append(1))
    texts = _workbook_refused(db_url, draft, out.getvalue())
    assert calls == []
    assert all("Lembar 'Indikator' menyatakan 1.048.576 baris; paling banyak 5.000 baris." in t for t in texts)


def test_truncated_workbooks_are_refused(db_url, draft, books):
    @_files_examples(db_url)
    @given(which=st.sampled_from(["unit", "PK"]), cut=st.floats(min_value=0.0, max_value=0.98),
           part=st.sampled_from(["xl/worksheets/", "file", "xl/workbook.xml", "xl/styles.xml"]))
    def run(which, cut, part):
        data = books[which]
        if part == "file":
            broken = data[: int(len(data) * cut)]
        else:
            cut_parts = []

            def change(name, body):
                if name.startswith(part):
                    cut_parts.append(name)
                    return body[: int(len(body) * cut)]
                return body

            broken = _rezip(data, change)
            assume(cut_parts)
        _workbook_refused(db_url, draft, broken, "unit" if which == "unit" else "import")

    run()


def test_random_bytes_and_polyglots_are_refused(db_url, draft, books):
    pdf_on_zip = factories.PDF + books["unit"]
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600

    @_files_examples(db_url)
    @given(data=st.one_of(
        st.binary(max_size=4096),
        st.binary(max_size=512).map(lambda b: b"PK\x03\x04" + b),
        st.sampled_from([pdf_on_zip, factories.image_bytes() + books["PK"], ole, _encrypted_flag(books["unit"]),
                         _encrypted_flag(books["PK"]), b"%PDF-1.4\n" + books["PK"][4:]])))
    @example(data=pdf_on_zip)
    @example(data=ole)
    def run(data):
        _workbook_refused(db_url, draft, data)

    run()


# --- evidence checked by content -------------------------------------------------------------------


def _office_zip(kind: str, extra: dict[str, bytes]) -> bytes:
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr(main, "<x/>")
        for name, body in extra.items():
            z.writestr(name, body)
    return buf.getvalue()


EVIDENCE_HINTS = ("tidak sesuai dengan ekstensi", "rusak", "makro", "tersemat", "arsip lain", "kata sandi",
                  "terenkripsi")


def _evidence_refused(db_url, draft, name, data):
    root = get_settings().upload_dir
    before, before_files = _snapshot(db_url, draft["sub"]), _files(root)
    with pytest.raises(InvalidInput) as info:
        with unit_of_work(db_url) as s:
            evidence.store_evidence(s, draft["kabid"], draft["sub"], draft["inds"][0], name, data)
    assert any(h in info.value.message for h in EVIDENCE_HINTS), info.value.message
    assert _snapshot(db_url, draft["sub"]) == before and _files(root) == before_files
    _count("bukti_dukung")


@pytest.mark.parametrize("name,data", [
    ("laporan.pdf", factories.PDF[:120]),
    ("laporan.pdf", b"%PDF-1.4\n" + b"\x00" * 300),
    ("laporan.pdf", factories.PDF + _office_zip("docx", {})),
    ("foto.png", factories.image_bytes()[:40]),
    ("foto.jpg", factories.image_bytes("JPEG")[:30]),
    ("surat.docx", _office_zip("docx", {"word/vbaProject.bin": b"\x00" * 64})),
    ("tabel.xlsx", _office_zip("xlsx", {"xl/vbaProject.bin": b"\x00" * 64})),
    ("tabel.xlsx", _office_zip("xlsx", {"xl/embeddings/oleObject1.bin": b"MZ" + b"\x00" * 64})),
    ("surat.docx", _office_zip("docx", {"word/embeddings/setup.exe": b"MZ" + b"\x00" * 64})),
    ("tabel.xlsx", _encrypted_flag(_office_zip("xlsx", {}))),
])
def test_evidence_that_is_not_what_it_claims_is_refused(db_url, draft, name, data):
    _evidence_refused(db_url, draft, name, data)


def test_generated_broken_evidence_is_refused(db_url, draft):
    good = {"laporan.pdf": factories.PDF, "foto.png": factories.image_bytes(), "foto.jpg": factories.image_bytes("JPEG")}

    @_files_examples(db_url)
    @given(name=st.sampled_from(sorted(good)), cut=st.floats(min_value=0.05, max_value=0.6))
    def run(name, cut):
        data = good[name]
        _evidence_refused(db_url, draft, name, data[: max(int(len(data) * cut), 9)])

    run()


def test_real_evidence_files_still_pass(db_url, draft):
    docx = _office_zip("docx", {"word/media/image1.png": factories.image_bytes(),
                                "word/printerSettings/printerSettings1.bin": b"\x00" * 16})
    for name, data in (("laporan.pdf", factories.PDF), ("foto.png", factories.image_bytes("PNG")),
                       ("foto.jpg", factories.image_bytes("JPEG")), ("surat.docx", docx)):
        assert evidence.check_file(name, data)[0] == name


def teardown_module(module):
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    path = out / "bad_input.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    for k, v in COUNTS.items():
        old[k] = v
    path.write_text(json.dumps(old, indent=2, sort_keys=True))
