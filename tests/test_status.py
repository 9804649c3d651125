"""Status Triwulan: the board, deadlines in force, lateness, real completeness, the missing list."""

import datetime as dt
import io
from decimal import Decimal as D

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from core import status
from db.models import (
    CollectionRound,
    Evidence,
    Extension,
    Indicator,
    OrgUnit,
    Realization,
    Review,
    Submission,
    Target,
    User,
)
from tests.conftest import TODAY
from tests.recap_fixtures import YEAR, build_small_office


def _office(session):
    return session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))


def _open_round(session, f):
    """TW III of the small office: unit 1 submitted complete data late; unit 2 returned, extended, incomplete."""
    office, unit = f["office"], f["unit"]
    unit2 = OrgUnit(code="TEST-BID2", name="Bidang Kedua", kind="bidang", parent_id=office.id, office_id=office.id)
    session.add(unit2)
    session.flush()
    head = User(username="kabid_uji", full_name="Kepala Bidang Uji", role="kepala_bidang", unit_id=unit.id,
                password_hash="x")
    reviewer = User(username="penyusun_uji", full_name="Penyusun Uji", role="penyusun", unit_id=office.id,
                    password_hash="x")
    session.add_all([head, reviewer])
    ind2 = Indicator(office_id=office.id, sasaran_id=f["s2"].id, code="T-U2", name="Indikator Unit Dua",
                     satuan="dokumen", owner_unit_id=unit2.id, needs_evidence=True, sort_order=9)
    session.add(ind2)
    session.flush()
    session.add(Target(indicator_id=ind2.id, year=YEAR, annual=D(4), q1=D(1), q2=D(1), q3=D(1), q4=D(1)))
    for i in (f["sum"], f["neg"], f["avg"], f["zero"]):
        i.needs_evidence = False
    f["sum"].needs_evidence = True
    rnd = CollectionRound(office_id=office.id, year=YEAR, quarter=3, current_step=3, status="berjalan",
                          deadline=dt.date(2026, 10, 1))
    session.add(rnd)
    session.flush()
    s1 = Submission(round_id=rnd.id, unit_id=unit.id, state="diterima", deadline=dt.date(2026, 10, 1),
                    received_at=dt.datetime(2026, 9, 25, 9), received_by_id=head.id,
                    first_submitted_at=dt.datetime(2026, 10, 3, 10), submitted_at=dt.datetime(2026, 10, 3, 10),
                    submitted_by_id=head.id, accepted_at=dt.datetime(2026, 10, 4, 10))
    s2 = Submission(round_id=rnd.id, unit_id=unit2.id, state="dikembalikan", deadline=dt.date(2026, 10, 1),
                    first_submitted_at=dt.datetime(2026, 9, 30, 10), submitted_at=dt.datetime(2026, 9, 30, 10))
    session.add_all([s1, s2])
    session.flush()
    # at or above target with its faktor pendorong: complete
    r_sum = Realization(submission_id=s1.id, indicator_id=f["sum"].id, value=D(120), updated_by_id=head.id,
                        updated_at=dt.datetime(2026, 9, 26, 8), faktor_pendorong="Mitra aktif")
    session.add_all([
        r_sum,
        # below target (7 vs 6, lower is better) with kendala and tindak lanjut: complete
        Realization(submission_id=s1.id, indicator_id=f["neg"].id, value=D(7), kendala="Hujan",
                    tindak_lanjut="Lembur"),
        Realization(submission_id=s1.id, indicator_id=f["avg"].id, value=None, not_measured_reason="Survei batal"),
        Realization(submission_id=s1.id, indicator_id=f["zero"].id, value=D(1)),
        # below target without kendala: incomplete
        Realization(submission_id=s2.id, indicator_id=ind2.id, value=D("0.5")),
    ])
    session.flush()
    session.add(Evidence(submission_id=s1.id, realization_id=r_sum.id, filename="a.pdf", stored_path="x",
                         content_type="application/pdf", size=1, sha256="0" * 64, uploaded_by_id=head.id))
    session.add(Review(submission_id=s2.id, decision="dikembalikan", reason="Lengkapi kendala",
                       reviewer_id=reviewer.id, created_at=dt.datetime(2026, 10, 2, 9)))
    session.add(Review(submission_id=s1.id, decision="diterima", reviewer_id=reviewer.id,
                       created_at=dt.datetime(2026, 10, 4, 10)))
    session.add(Extension(submission_id=s2.id, old_deadline=dt.date(2026, 10, 1), new_deadline=dt.date(2026, 10, 3),
                          reason="Perbaikan", granted_by_id=reviewer.id))
    session.flush()
    return rnd, unit2


def test_board_shows_each_stage_with_who_and_when(session):
    f = build_small_office(session)
    rnd, _unit2 = _open_round(session, f)
    st = status.quarter_status(session, f["office"].id, rnd.id, TODAY)
    assert st.current_step == 3 and st.title == "Pengumpulan Data Kinerja Triwulan III Tahun 2026"
    board = st.board.set_index("Unit")
    one = board.loc["Bidang Uji"]
    assert one["Status"] == "Diterima" and one["Kepala Unit"] == "Kepala Bidang Uji"
    # stored in UTC, shown in the office's time (WIB, UTC+7)
    # the unit head (named in the board's own column) is not repeated; anyone else is named
    assert one["Diterima disposisi"] == "25 September 2026 16.00 WIB"
    assert one["Mengisi (draf)"].startswith("26 September 2026")
    assert one["Diterima"] == "4 Oktober 2026 17.00 WIB (Penyusun Uji)"
    two = board.loc["Bidang Kedua"]
    assert two["Status"] == "Dikembalikan"
    assert two["Dikembalikan"] == "2 Oktober 2026 16.00 WIB (Penyusun Uji): Lengkapi kendala"


def test_deadline_in_force_is_the_latest_extension_and_lateness_counts_from_it(session):
    f = build_small_office(session)
    rnd, _ = _open_round(session, f)
    st = status.quarter_status(session, f["office"].id, rnd.id, TODAY)
    by_unit = {u.unit: u for u in st.units}
    assert by_unit["Bidang Uji"].deadline == dt.date(2026, 10, 1) and by_unit["Bidang Uji"].days_late == 2
    assert not by_unit["Bidang Uji"].submitted_on_time
    two = by_unit["Bidang Kedua"]
    assert two.deadline == dt.date(2026, 10, 3) and two.submitted_on_time and two.days_late == 0
    assert [u.unit for u in st.late_units] == ["Bidang Uji"]
    assert st.timeliness == D("50.00")


def test_completeness_counts_only_really_complete_rows(session):
    f = build_small_office(session)
    rnd, _ = _open_round(session, f)
    st = status.quarter_status(session, f["office"].id, rnd.id, TODAY)
    by_unit = {u.unit: u for u in st.units}
    # unit 1: value+evidence, below target with reasons, not measured with reason, zero target → 4 of 4
    assert (by_unit["Bidang Uji"].complete, by_unit["Bidang Uji"].indicators) == (4, 4)
    two = by_unit["Bidang Kedua"]
    assert two.complete == 0
    assert "Kendala/tindak lanjut belum diisi (di bawah target): T-U2" in two.missing
    assert "Bukti dukung belum diunggah: T-U2" in two.missing
    assert "Perbaikan belum diajukan kembali" in two.missing
    assert st.completeness == D("80.00")


def test_missing_list_names_the_unit_head_and_what_is_missing(session):
    f = build_small_office(session)
    rnd, _ = _open_round(session, f)
    df = status.missing_list(session, f["office"].id, rnd.id, TODAY)
    assert list(df["Unit"]) == ["Bidang Kedua"]
    assert "Perbaikan belum diajukan kembali" in df.iloc[0]["Yang belum lengkap"]
    files = status.missing_list_files(session, f["office"].id, rnd.id, TODAY)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"][2])).pages)
    assert "Daftar Kekurangan Data" in text and "Bidang Kedua" in text
    ws = load_workbook(io.BytesIO(files["xlsx"][2])).active
    assert ws["A6"].value == "Bidang Kedua"


def test_demo_latest_round_headline_figures(session):
    office_id = _office(session)
    st = status.quarter_status(session, office_id, None, TODAY)
    assert (st.year, st.quarter, st.status) == (2026, 2, "selesai")
    assert len(st.units) == 6 and st.accepted == 6
    assert sum(st.predicate_counts.values()) == 15 and st.average_capaian is not None
    assert st.year_elapsed == D(50) and st.absorption_ytd is not None
    assert len(st.late_units) == sum(1 for u in st.units if u.days_late > 0)
    assert (st.behind["Capaian TW"].str.replace(" %", "").str.replace(",", ".").astype(float) < 100).all()


def test_round_of_another_office_is_not_found(session):
    import pytest

    from core.errors import NotFound

    f = build_small_office(session)
    with pytest.raises(NotFound):
        status.quarter_status(session, _office(session), f["rounds"][1].id, TODAY)


def test_only_a_unit_that_has_not_submitted_is_asked_to_acknowledge_the_disposition(session):
    f = build_small_office(session)
    rnd, unit2 = _open_round(session, f)
    sub = session.scalar(select(Submission).where(Submission.unit_id == unit2.id))
    assert sub.received_at is None and sub.first_submitted_at is not None
    df = status.missing_list(session, f["office"].id, rnd.id, TODAY)
    assert "Disposisi belum dinyatakan diterima" not in df.iloc[0]["Yang belum lengkap"]  # submitting is receipt
    sub.state, sub.first_submitted_at, sub.submitted_at = "belum_mulai", None, None
    session.flush()
    df = status.missing_list(session, f["office"].id, rnd.id, TODAY)
    assert "Disposisi belum dinyatakan diterima" in df.iloc[0]["Yang belum lengkap"]
