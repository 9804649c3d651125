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

import json
import math
import string
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core import entry, evidence, masterdata, reporting, review, rounds
from core.backup import table_counts
from core.config import get_settings
from core.errors import InvalidInput, KinerjaError
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
        _refused_whole(db_url, draft["sub"], lambda s: entry.save_entries(s, draft["kabid"], draft["sub"], {
            good: {"Realisasi TW": "11", "Catatan": "Nilai yang benar."},
            bad_ind: {"Realisasi TW": bad}}))
    check()


def test_budget_spent_refuses_bad_numbers(db_url, draft):
    @examples(db_url)
    @given(bad=bad_non_negative)
    def check(bad):
        _count("realisasi_anggaran")
        _refused_whole(db_url, draft["sub"], lambda s: entry.save_budget(
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
            s, draft["admin"], ind, 2026, **{quarter: bad}, accept_mismatch=True))
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
        rep = reporting.compile_draft(s, actors["penyusun"], rnd.id)
        reporting.send_to_planner(s, actors["sekdis"], rnd.id)
        return {"round": rnd.id, "report": rep.id, "sub": 0}


def test_proposed_correction_values_refuse_bad_numbers(db_url, actors, correcting):
    @examples(db_url)
    # the numbers a correction can propose: an indicator's and a budget line's Realisasi TW (capaian and the
    # other computed fields take no proposed value at all)
    @given(bad=bad_non_negative, key=st.sampled_from(["IND:IK-03", "BL:2.07.01.2.02.0001"]))
    def check(bad, key):
        _count("usulan_koreksi")
        _refused_whole(db_url, 0, lambda s: reporting.add_correction(
            s, actors["perencana"], correcting["report"], key, "realisasi_tw", "Sesuaikan.", str(bad)))
    check()


@pytest.mark.parametrize("typed", ["1.234,5", "1234,5", " 1.234,50 ", "Rp 1.234,5"])
def test_indonesian_writing_means_1234_5_everywhere(db_url, draft, typed):
    ind = draft["inds"][0]
    with unit_of_work(db_url) as s:
        entry.save_entries(s, draft["kabid"], draft["sub"], {ind: {"Realisasi TW": typed}})
        entry.save_budget(s, draft["kabid"], draft["sub"], {draft["line"]: typed})
        masterdata.save_target(s, draft["admin"], ind, 2026, q4=typed, accept_mismatch=True)
    with unit_of_work(db_url) as s:
        r = s.scalar(select(Realization).where(Realization.submission_id == draft["sub"],
                                               Realization.indicator_id == ind))
        assert r.value == Decimal("1234.5")
        assert s.scalar(select(Target.q4).where(Target.indicator_id == ind, Target.year == 2026)) == Decimal("1234.5")
    _count("format_angka")


@pytest.mark.parametrize("typed", ["1,234.5", "1234.5"])
def test_english_writing_is_refused_everywhere_with_nothing_saved(db_url, draft, typed):
    ind = draft["inds"][0]
    for save in (lambda s: entry.save_entries(s, draft["kabid"], draft["sub"], {ind: {"Realisasi TW": typed}}),
                 lambda s: entry.save_budget(s, draft["kabid"], draft["sub"], {draft["line"]: typed}),
                 lambda s: masterdata.save_target(s, draft["admin"], ind, 2026, q4=typed, accept_mismatch=True)):
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
        c = reporting.add_correction(s, actors["perencana"], correcting["report"], "IND:IK-03", "realisasi_tw",
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
                entry.save_entries(s, draft["kabid"], draft["sub"], {ind: {"Kendala": kendala, "Catatan": catatan}})
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
                c = review.add_comment(s, actors["penyusun"], sub_id, None, note)
                cid = c.id
        except KinerjaError as err:
            assert isinstance(err, InvalidInput) and err.message
            return
        with unit_of_work(db_url) as s:
            stored = review.comments_for(s, sub_id).set_index("comment_id").loc[cid, "text"]
            _stored_as_text(note, stored)
    check()


def test_round_instruction_and_extension_reason_are_stored_as_text(db_url, actors):
    import datetime as dt

    long_text = "<b>Segera</b> [isi](http://x) " + "x" * 100_000 + "\x00\x1b"
    try:
        with unit_of_work(db_url) as s:
            rnd = rounds.open_round(s, actors["kadis"], 2026, 3, long_text, dt.date(2026, 10, 20),
                                    today=dt.date(2026, 10, 5))
            rid = rnd.id
    except KinerjaError as err:
        assert isinstance(err, InvalidInput)
        return
    with unit_of_work(db_url) as s:
        info = rounds.open_rounds(s, actors["kadis"].office_id)[0]
        assert info.id == rid
        _stored_as_text(long_text, info.instruction)
    _count("teks")


def teardown_module(module):
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    path = out / "bad_input.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    for k, v in COUNTS.items():
        old[k] = v
    path.write_text(json.dumps(old, indent=2, sort_keys=True))
