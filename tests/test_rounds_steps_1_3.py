"""SOP steps 1–3 end to end on both databases: Disposisi, Distribusi, Isi Data Kinerja and Ajukan."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import entry, evidence, round_status, tasks
from core.errors import Conflict, InvalidInput, NotAllowed
from core.steps import disposisi, isi_data
from db.models import (
    AuditLog,
    BudgetRealization,
    CollectionRound,
    Evidence,
    Extension,
    Indicator,
    OrgUnit,
    Realization,
    SopStep,
    StepRecord,
    Submission,
    User,
)
from tests import factories
from tests.conftest import TODAY

DEADLINE = dt.date(2026, 10, 10)
PDF = factories.PDF
PNG = factories.image_bytes("PNG")
JPG = factories.image_bytes("JPEG")
ALL_USERS = ("kadis", "sekdis", "kabid_lattas", "kabid_hijs", "kabid_ind", "kabid_trans", "kasubag_keuren",
             "jft_mediator", "perencana", "penyusun", "admin", "pemantau")
UNIT_HEADS = {"BID-LATTAS": "kabid_lattas", "BID-HIJS": "kabid_hijs", "BID-IND": "kabid_ind",
              "BID-TRANS": "kabid_trans", "SEKRETARIAT": "kasubag_keuren", "JFT": "jft_mediator"}


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    wb = Workbook()
    wb.active["A1"] = "Daftar hadir"
    wb.save(buf)
    return buf.getvalue()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def counts(session) -> dict[str, int]:
    return {m.__name__: count(session, m) for m in (CollectionRound, StepRecord, Submission, Extension,
                                                    Realization, BudgetRealization, Evidence, AuditLog)}


def step_code(session, rnd) -> str:
    return session.scalar(select(SopStep.code).where(SopStep.number == rnd.current_step))


def open_tw3(session, actors):
    return disposisi.open_round(session, actors["kadis"], 2026, 3, "Kumpulkan data kinerja TW III 2026.", DEADLINE,
                             today=TODAY)


def distributed(session, actors):
    rnd = open_tw3(session, actors)
    disposisi.distribute(session, actors["sekdis"], rnd.id, disposisi.default_assignments(session, rnd.id),
                      "Diteruskan kepada seluruh unit.")
    return rnd


def sub_of(session, rnd, unit_code) -> Submission:
    unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit_code))
    return session.scalar(select(Submission).where(Submission.round_id == rnd.id, Submission.unit_id == unit_id))


PENDORONG = "Dukungan mitra industri."


def fill_on_target(session, actor, sub) -> None:
    """Every indicator at its quarterly target (with its faktor pendorong), evidence where required."""
    grid = entry.entry_table(session, actor, sub.id)
    changes = {int(r["indicator_id"]): {"Realisasi TW": r["Target TW (RA)"], "Faktor pendorong": PENDORONG}
               for _, r in grid.iterrows()}
    versions = {int(r["indicator_id"]): int(r["version"]) for _, r in grid.iterrows()}
    isi_data.save_entries(session, actor, sub.id, changes, versions)
    for ind in session.scalars(select(Indicator).where(Indicator.owner_unit_id == sub.unit_id,
                                                       Indicator.needs_evidence.is_(True))):
        evidence.store_evidence(session, actor, sub.id, ind.id, "bukti.pdf", PDF)


# --- step 1: Disposisi --------------------------------------------------------------------------


def test_kepala_dinas_opens_round_and_it_moves_to_distribusi(session, actors):
    rnd = open_tw3(session, actors)
    assert (rnd.year, rnd.quarter, rnd.status) == (2026, 3, "berjalan")
    assert step_code(session, rnd) == "distribusi"
    first = session.scalar(select(StepRecord).where(StepRecord.round_id == rnd.id, StepRecord.step_number == 1))
    assert first.finished_at is not None and first.actor_id == actors["kadis"].user_id
    assert first.disposition == "Kumpulkan data kinerja TW III 2026."
    assert session.scalar(select(AuditLog).where(AuditLog.action == "round.open")).entity_id == str(rnd.id)


def test_one_round_per_office_and_quarter(session, actors):
    open_tw3(session, actors)
    with pytest.raises(Conflict, match="TW III 2026 sudah dibuka"):
        open_tw3(session, actors)
    with pytest.raises(Conflict, match="TW II 2026"):
        disposisi.open_round(session, actors["kadis"], 2026, 2, "Ulang.", DEADLINE, today=TODAY)


@pytest.mark.parametrize("instruction, deadline, fragment", [
    ("", DEADLINE, "Isi instruksi"),
    ("Kumpulkan.", dt.date(2026, 10, 1), "sudah lewat"),
    ("Kumpulkan.", None, "Isi tenggat"),
])
def test_open_round_refuses_bad_input(session, actors, instruction, deadline, fragment):
    before = counts(session)
    with pytest.raises(InvalidInput, match=fragment):
        disposisi.open_round(session, actors["kadis"], 2026, 3, instruction, deadline, today=TODAY)
    assert counts(session) == before


@pytest.mark.parametrize("username", [u for u in ALL_USERS if u != "kadis"])
def test_only_kepala_dinas_may_open_a_round(session, actors, username):
    before = counts(session)
    with pytest.raises(NotAllowed, match="membuka pengumpulan data"):
        disposisi.open_round(session, actors[username], 2026, 3, "Kumpulkan.", DEADLINE, today=TODAY)
    assert counts(session) == before


# --- step 2: Distribusi -------------------------------------------------------------------------


def test_default_assignments_are_every_unit_owning_indicators(session, actors):
    rnd = open_tw3(session, actors)
    units = {a.unit_name for a in disposisi.default_assignments(session, rnd.id)}
    assert units == {"Sekretariat", "Bidang Pelatihan dan Penempatan Tenaga Kerja",
                     "Bidang Hubungan Industrial dan Jaminan Sosial", "Bidang Perindustrian",
                     "Bidang Transmigrasi", "Kelompok Jabatan Fungsional Tertentu"}
    assert all(a.deadline == DEADLINE and a.disposition for a in disposisi.default_assignments(session, rnd.id))


def test_sekretaris_distributes_with_own_deadlines_and_round_moves_to_isi_data(session, actors):
    rnd = open_tw3(session, actors)
    plan = disposisi.default_assignments(session, rnd.id)
    plan[0].deadline = dt.date(2026, 10, 8)
    plan[0].disposition = "Sekretariat: mohon didahulukan."
    subs = disposisi.distribute(session, actors["sekdis"], rnd.id, plan, "Diteruskan.")
    assert len(subs) == 6 and {s.state for s in subs} == {"belum_mulai"}
    assert subs[0].deadline == dt.date(2026, 10, 8) and subs[0].disposition == "Sekretariat: mohon didahulukan."
    assert step_code(session, rnd) == "isi_data"
    assert count(session, AuditLog) >= 6
    with pytest.raises(Conflict, match="Distribusi"):
        disposisi.distribute(session, actors["sekdis"], rnd.id, plan, "Lagi.")


def test_distribution_refuses_missing_disposition_and_late_deadline(session, actors):
    rnd = open_tw3(session, actors)
    plan = disposisi.default_assignments(session, rnd.id)
    plan[0].disposition = " "
    plan[1].deadline = dt.date(2026, 12, 1)
    before = counts(session)
    with pytest.raises(InvalidInput) as err:
        disposisi.distribute(session, actors["sekdis"], rnd.id, plan, "")
    assert any("isi teks disposisi" in p for p in err.value.problems)
    assert any("melewati tenggat Kepala Dinas" in p for p in err.value.problems)
    assert counts(session) == before


@pytest.mark.parametrize("username", [u for u in ALL_USERS if u != "sekdis"])
def test_only_sekretaris_may_distribute(session, actors, username):
    rnd = open_tw3(session, actors)
    before = counts(session)
    with pytest.raises(NotAllowed, match="mendistribusikan"):
        disposisi.distribute(session, actors[username], rnd.id, None, "")
    assert counts(session) == before


# --- receipt and extensions ---------------------------------------------------------------------


def test_unit_head_acknowledges_receipt_once(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    isi_data.acknowledge(session, actors["kabid_lattas"], sub.id)
    assert sub.received_at is not None and sub.received_by_id == actors["kabid_lattas"].user_id
    with pytest.raises(Conflict, match="sudah ditandai diterima"):
        isi_data.acknowledge(session, actors["kabid_lattas"], sub.id)


def test_kepala_sub_bagian_acknowledges_for_the_sekretariat(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "SEKRETARIAT")
    isi_data.acknowledge(session, actors["kasubag_keuren"], sub.id)
    assert sub.received_by_id == actors["kasubag_keuren"].user_id


@pytest.mark.parametrize("username", ["kabid_hijs", "sekdis", "penyusun", "kadis", "pemantau", "jft_mediator"])
def test_other_users_cannot_acknowledge_a_units_disposition(session, actors, username):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    before = counts(session)
    with pytest.raises(NotAllowed):
        isi_data.acknowledge(session, actors[username], sub.id)
    assert counts(session) == before and sub.received_at is None


def test_sekretaris_grants_extension_and_lateness_uses_the_deadline_in_force(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-TRANS")
    assert round_status.submission_days_late(sub, dt.date(2026, 10, 13)) == 3
    with pytest.raises(InvalidInput, match="alasan"):
        disposisi.grant_extension(session, actors["sekdis"], sub.id, dt.date(2026, 10, 15), "")
    with pytest.raises(InvalidInput, match="sesudah tenggat yang berlaku"):
        disposisi.grant_extension(session, actors["sekdis"], sub.id, DEADLINE, "Jaringan terputus.")
    ext = disposisi.grant_extension(session, actors["sekdis"], sub.id, dt.date(2026, 10, 15), "Jaringan terputus.")
    assert (ext.old_deadline, ext.new_deadline) == (DEADLINE, dt.date(2026, 10, 15))
    assert round_status.deadline_in_force(sub) == dt.date(2026, 10, 15)
    assert round_status.submission_days_late(sub, dt.date(2026, 10, 13)) == 0
    assert round_status.submission_days_late(sub, dt.date(2026, 10, 17)) == 2
    with pytest.raises(InvalidInput, match="15 Oktober 2026"):
        disposisi.grant_extension(session, actors["sekdis"], sub.id, dt.date(2026, 10, 14), "Lagi.")
    assert round_status.extensions_table(session, factories.actor(session, "penyusun"), rnd.id)["Alasan"].tolist() == ["Jaringan terputus."]


@pytest.mark.parametrize("username", ["kadis", "kabid_trans", "penyusun", "perencana", "admin", "pemantau"])
def test_only_sekretaris_may_grant_extension(session, actors, username):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-TRANS")
    before = counts(session)
    with pytest.raises(NotAllowed, match="perpanjangan"):
        disposisi.grant_extension(session, actors[username], sub.id, dt.date(2026, 10, 15), "Alasan.")
    assert counts(session) == before


# --- step 3: the entry grid ---------------------------------------------------------------------


def test_entry_table_shows_targets_and_earlier_quarters(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    grid = entry.entry_table(session, actors["kabid_lattas"], sub.id)
    assert grid["Kode"].tolist() == ["IKU-01", "IK-02", "IK-03", "IK-04", "IK-05"]
    for col in ("No", "Sasaran", "Indikator", "Satuan", "Target tahunan (PK)", "Target TW (RA)",
                "Realisasi TW I", "Realisasi TW II", "Realisasi TW", "Capaian TW %", "Predikat", "Bukti",
                "Alasan tidak diukur", "Catatan", "Kendala", "Tindak lanjut", "indicator_id", "version"):
        assert col in grid.columns
    assert grid["Realisasi TW I"].notna().all() and grid["Realisasi TW"].isna().all()
    assert (grid["version"] == 0).all()


def test_save_parses_indonesian_numbers_and_computes_capaian(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    grid = entry.entry_table(session, kabid, sub.id)
    ids = dict(zip(grid["Kode"], grid["indicator_id"]))
    target = Decimal(str(grid.set_index("Kode").loc["IK-03", "Target TW (RA)"]))
    result = isi_data.save_entries(session, kabid, sub.id, {
        ids["IK-03"]: {"Realisasi TW": f"{target:f}".replace(".", ",")},
        ids["IKU-01"]: {"Realisasi TW": "4,1", "Kendala": "Lapangan kerja terbatas."},
    }, {ids["IK-03"]: 0, ids["IKU-01"]: 0})
    assert result.changed == 2 and sub.state == "draf"
    grid = entry.entry_table(session, kabid, sub.id).set_index("Kode")
    assert grid.loc["IK-03", "Capaian TW %"] == 100.0 and grid.loc["IK-03", "Predikat"] == "Sangat Tinggi"
    assert grid.loc["IKU-01", "Realisasi TW"] == 4.1 and grid.loc["IKU-01", "version"] == 1
    audits = session.scalars(select(AuditLog).where(AuditLog.action == "realization.save")).all()
    assert len(audits) == 2 and all(a.before is None and a.after["version"] == 1 for a in audits)
    assert sorted(Decimal(a.after["value"]) for a in audits) == sorted([Decimal("4.1"), target])


@pytest.mark.parametrize("raw, fragment", [
    ("banyak", "bukan angka"), (float("nan"), "bukan angka"), ("inf", "bukan angka"), (-5, "tidak boleh negatif"),
    ("-3", "tidak boleh negatif"),
])
def test_bad_values_are_refused_naming_the_indicator(session, actors, raw, fragment):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-04"))
    before = counts(session)
    with pytest.raises(InvalidInput, match=fragment) as err:
        isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {ind.id: {"Realisasi TW": raw}}, {ind.id: 0})
    assert "IK-04 Jumlah peserta pelatihan berbasis kompetensi" in str(err.value)
    assert counts(session) == before and sub.state == "belum_mulai"


def test_read_only_columns_and_other_units_indicators_are_refused(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    own = session.scalar(select(Indicator).where(Indicator.code == "IK-04"))
    other = session.scalar(select(Indicator).where(Indicator.code == "IK-10"))
    with pytest.raises(InvalidInput, match="tidak dapat diubah"):
        isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {own.id: {"Target TW (RA)": 1}})
    with pytest.raises(InvalidInput, match="bukan indikator unit"):
        isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {other.id: {"Realisasi TW": 1}})


def test_stale_version_is_a_conflict_and_the_newer_value_stays(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-04"))
    isi_data.save_entries(session, kabid, sub.id, {ind.id: {"Realisasi TW": 60}}, {ind.id: 0})
    name = session.scalar(select(User.full_name).where(User.username == "kabid_lattas"))
    with pytest.raises(Conflict, match=f"^Data IK-04 sudah diubah melalui akun Anda \\({re.escape(name)}\\) di jendela "
                                       "atau komputer lain pada .* WIB .*"
                                       "tidak ada yang tertimpa; lihat nilai terbaru lalu ulangi"):
        isi_data.save_entries(session, kabid, sub.id, {ind.id: {"Realisasi TW": 50}}, {ind.id: 0})
    grid = entry.entry_table(session, kabid, sub.id).set_index("Kode")
    assert grid.loc["IK-04", "Realisasi TW"] == 60.0


@pytest.mark.parametrize("username", ["kabid_hijs", "kadis", "sekdis", "penyusun", "perencana", "admin",
                                      "pemantau", "jft_mediator"])
def test_only_the_units_own_officials_may_enter_its_data(session, actors, username):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-04"))
    before = counts(session)
    with pytest.raises(NotAllowed):
        isi_data.save_entries(session, actors[username], sub.id, {ind.id: {"Realisasi TW": 60}}, {ind.id: 0})
    with pytest.raises(NotAllowed):
        isi_data.submit(session, actors[username], sub.id)
    with pytest.raises(NotAllowed):
        evidence.store_evidence(session, actors[username], sub.id, ind.id, "bukti.pdf", PDF)
    assert counts(session) == before


def test_budget_spending_is_checked_against_remaining_pagu(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    grid = entry.budget_table(session, kabid, sub.id)
    assert {"Pagu", "Realisasi s.d. TW lalu", "Serapan %", "Realisasi TW"} <= set(grid.columns)
    row = grid.iloc[0]
    remaining = Decimal(str(row["Pagu"])) - Decimal(str(row["Realisasi s.d. TW lalu"]))
    line = int(row["budget_line_id"])
    with pytest.raises(InvalidInput, match="melebihi sisa pagu"):
        isi_data.save_budget(session, kabid, sub.id, {line: remaining + 1}, {line: 0})
    with pytest.raises(InvalidInput, match="tidak boleh negatif"):
        isi_data.save_budget(session, kabid, sub.id, {line: -1}, {line: 0})
    isi_data.save_budget(session, kabid, sub.id, {line: "250.000.000"}, {line: 0})
    grid = entry.budget_table(session, kabid, sub.id)
    assert grid.iloc[0]["Realisasi TW"] == 250_000_000.0 and grid.iloc[0]["version"] == 1
    assert grid.iloc[0]["Serapan %"] > 0
    with pytest.raises(Conflict):
        isi_data.save_budget(session, kabid, sub.id, {line: 1}, {line: 0})


# --- evidence -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, data, fragment", [
    ("kosong.pdf", b"", "kosong"),
    ("besar.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024), "terlalu besar"),
    ("skrip.exe", b"MZ\x90\x00", "jenis berkas yang diizinkan"),
    ("foto.png", PDF, "tidak sesuai dengan ekstensi .png"),
    ("laporan.pdf", b"bukan pdf sama sekali", "tidak sesuai dengan ekstensi .pdf"),
])
def test_evidence_rules(session, actors, monkeypatch, name, data, fragment):
    from core.config import get_settings

    monkeypatch.setenv("KINERJA_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    before = counts(session)
    with pytest.raises(InvalidInput, match=fragment):
        evidence.store_evidence(session, actors["kabid_lattas"], sub.id, None, name, data)
    assert counts(session) == before


def test_evidence_is_stored_by_hash_and_the_users_name_never_escapes(session, actors):
    from core.config import get_settings

    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-03"))
    ev = evidence.store_evidence(session, kabid, sub.id, ind.id, "../../etc/passwd.pdf", PDF)
    root = get_settings().upload_dir.resolve()
    stored = (root / ev.stored_path).resolve()
    assert root in stored.parents and stored.name == f"{ev.sha256}.pdf"
    assert ev.filename == "passwd.pdf" and ".." not in ev.stored_path
    assert stored.read_bytes() == PDF
    for name, data in (("foto.jpg", JPG), ("grafik.png", PNG), ("daftar.xlsx", xlsx_bytes())):
        evidence.store_evidence(session, kabid, sub.id, ind.id, name, data)
    items = evidence.list_evidence(session, kabid, sub.id)
    assert [i.filename for i in items] == ["passwd.pdf", "foto.jpg", "grafik.png", "daftar.xlsx"]
    assert evidence.read_evidence(session, kabid, ev.id) == ("passwd.pdf", "application/pdf", PDF)
    grid = entry.entry_table(session, kabid, sub.id).set_index("Kode")
    assert grid.loc["IK-03", "Bukti"] == 4
    session.commit()
    evidence.delete_evidence(session, kabid, ev.id)
    assert stored.exists() and len(evidence.list_evidence(session, kabid, sub.id)) == 3  # file kept until commit
    session.rollback()  # the deletion is undone: row and file stay
    assert stored.exists() and len(evidence.list_evidence(session, kabid, sub.id)) == 4
    evidence.delete_evidence(session, kabid, ev.id)
    session.commit()
    assert not stored.exists() and len(evidence.list_evidence(session, kabid, sub.id)) == 3


# --- Ajukan -------------------------------------------------------------------------------------


def test_submit_lists_every_problem(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    with pytest.raises(InvalidInput) as err:
        isi_data.submit(session, actors["kabid_lattas"], sub.id)
    problems = err.value.problems
    assert len(problems) == 5 and all("isi Realisasi TW" in p for p in problems)
    assert sub.state == "belum_mulai"


def test_kendala_and_tindak_lanjut_only_required_when_below_target(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    fill_on_target(session, kabid, sub)
    grid = entry.entry_table(session, kabid, sub.id).set_index("Kode")
    ik03 = int(grid.loc["IK-03", "indicator_id"])
    ik05 = int(grid.loc["IK-05", "indicator_id"])
    # IK-03 (positif) below target; IK-05 not measured with a reason; the rest on target without kendala.
    isi_data.save_entries(session, kabid, sub.id, {
        ik03: {"Realisasi TW": grid.loc["IK-03", "Target TW (RA)"] - 10},
        ik05: {"Realisasi TW": None, "Alasan tidak diukur": "Uji kompetensi dijadwalkan TW IV."},
    }, {ik03: int(grid.loc["IK-03", "version"]), ik05: int(grid.loc["IK-05", "version"])})
    with pytest.raises(InvalidInput) as err:
        isi_data.submit(session, kabid, sub.id)
    assert err.value.problems == [
        "IK-03 Jumlah tenaga kerja yang ditempatkan: capaian di bawah target; isi Kendala.",
        "IK-03 Jumlah tenaga kerja yang ditempatkan: capaian di bawah target; isi Tindak lanjut.",
    ]
    isi_data.save_entries(session, kabid, sub.id, {ik03: {"Kendala": "Job fair ditunda.",
                                                       "Tindak lanjut": "Job fair dijadwalkan ulang."}})
    assert sub.received_at is None  # the disposition was never acknowledged on the page
    isi_data.submit(session, kabid, sub.id)
    assert sub.state == "diajukan" and sub.first_submitted_at is not None
    assert sub.received_at == sub.first_submitted_at and sub.received_by_id == kabid.user_id  # submitting is receipt


def test_indicator_needing_evidence_cannot_be_submitted_without_it(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-IND")
    kabid = actors["kabid_ind"]
    grid = entry.entry_table(session, kabid, sub.id)
    isi_data.save_entries(session, kabid, sub.id,
                       {int(r["indicator_id"]): {"Realisasi TW": r["Target TW (RA)"], "Faktor pendorong": PENDORONG}
                        for _, r in grid.iterrows()})
    with pytest.raises(InvalidInput) as err:
        isi_data.submit(session, kabid, sub.id)
    assert err.value.problems == [
        "IKU-03 Pertumbuhan jumlah IKM: unggah sekurang-kurangnya satu bukti dukung.",
        "IK-10 Jumlah IKM yang dibina: unggah sekurang-kurangnya satu bukti dukung.",
    ]


def test_submitted_data_is_locked(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    fill_on_target(session, kabid, sub)
    isi_data.submit(session, kabid, sub.id)
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-04"))
    before = counts(session)
    with pytest.raises(Conflict, match="sudah diajukan dan terkunci"):
        isi_data.save_entries(session, kabid, sub.id, {ind.id: {"Realisasi TW": 1}})
    with pytest.raises(Conflict, match="terkunci"):
        evidence.store_evidence(session, kabid, sub.id, ind.id, "lagi.pdf", PDF)
    with pytest.raises(Conflict, match="terkunci"):
        isi_data.submit(session, kabid, sub.id)
    ev = session.scalar(select(Evidence).where(Evidence.submission_id == sub.id))
    with pytest.raises(Conflict, match="terkunci"):
        evidence.delete_evidence(session, kabid, ev.id)
    assert counts(session) == before


def test_full_steps_1_to_3_round_moves_to_pengolahan_and_returned_data_can_be_resubmitted(session, actors):
    rnd = distributed(session, actors)
    isi_data.acknowledge(session, actors["kabid_lattas"], sub_of(session, rnd, "BID-LATTAS").id)
    disposisi.grant_extension(session, actors["sekdis"], sub_of(session, rnd, "BID-TRANS").id,
                           dt.date(2026, 10, 14), "Kegiatan lapangan di kawasan transmigrasi.")
    codes = list(UNIT_HEADS)
    for code in codes:
        sub = sub_of(session, rnd, code)
        fill_on_target(session, actors[UNIT_HEADS[code]], sub)
        isi_data.submit(session, actors[UNIT_HEADS[code]], sub.id)
        expected = "pengolahan" if code == codes[-1] else "isi_data"
        assert step_code(session, rnd) == expected
    session.commit()
    assert task_texts(session, actors["penyusun"]) == ["Periksa data yang diajukan (6 unit)"]
    step3 = session.scalar(select(StepRecord).where(StepRecord.round_id == rnd.id, StepRecord.step_number == 3))
    assert step3.finished_at is not None
    # A reviewer (A2's step 4) returns a unit's data: the unit may edit and resubmit.
    sub = sub_of(session, rnd, "BID-IND")
    first = sub.first_submitted_at
    sub.state = "dikembalikan"
    session.flush()
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-10"))
    isi_data.save_entries(session, actors["kabid_ind"], sub.id, {ind.id: {"Catatan": "Diperbaiki."}})
    assert sub.state == "draf"
    isi_data.submit(session, actors["kabid_ind"], sub.id)
    assert sub.state == "diajukan" and sub.first_submitted_at == first
    assert step_code(session, rnd) == "pengolahan"


def test_closed_round_refuses_edits(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    rnd.status = "selesai"
    session.flush()
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-04"))
    with pytest.raises(Conflict, match="ditutup"):
        isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {ind.id: {"Realisasi TW": 1}})


# --- Tugas saya ---------------------------------------------------------------------------------


def task_texts(session, actor, today=TODAY) -> list[str]:
    return [t.text for t in tasks.my_tasks(session, actor, today)]


def test_tasks_follow_the_round_through_steps_1_to_3(session, actors):
    assert task_texts(session, actors["kadis"]) == ["Buka pengumpulan data TW III 2026"]
    assert task_texts(session, actors["kabid_lattas"]) == []
    rnd = open_tw3(session, actors)
    assert task_texts(session, actors["kadis"]) == []
    assert task_texts(session, actors["sekdis"])[0].startswith("Distribusikan pengumpulan data TW III 2026")
    disposisi.distribute(session, actors["sekdis"], rnd.id, None, "")
    lattas = tasks.my_tasks(session, actors["kabid_lattas"], TODAY)
    assert [t.text for t in lattas] == ["Isi data kinerja TW III 2026 — tenggat 10 Oktober 2026"]
    assert lattas[0].deadline == DEADLINE and not lattas[0].late
    assert tasks.my_tasks(session, actors["kabid_lattas"], dt.date(2026, 10, 12))[0].late
    assert task_texts(session, actors["kasubag_keuren"]) == ["Isi data kinerja TW III 2026 — tenggat 10 Oktober 2026"]
    sub = sub_of(session, rnd, "BID-LATTAS")
    fill_on_target(session, actors["kabid_lattas"], sub)
    isi_data.submit(session, actors["kabid_lattas"], sub.id)
    assert task_texts(session, actors["kabid_lattas"]) == []
    assert task_texts(session, actors["penyusun"]) == ["Periksa data yang diajukan (1 unit)"]
    sub.state = "dikembalikan"
    session.flush()
    assert task_texts(session, actors["kabid_lattas"])[0].startswith("Perbaiki data yang dikembalikan")


def test_the_same_file_for_the_same_indicator_is_refused_once_stored(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-03"))
    evidence.store_evidence(session, actors["kabid_lattas"], sub.id, ind.id, "bukti.pdf", PDF)
    with pytest.raises(InvalidInput, match="sudah diunggah sebelumnya"):
        evidence.store_evidence(session, actors["kabid_lattas"], sub.id, ind.id, "salinan.pdf", PDF)
    other = session.scalar(select(Indicator).where(Indicator.code == "IK-04"))
    evidence.store_evidence(session, actors["kabid_lattas"], sub.id, other.id, "bukti.pdf", PDF)


def docx_bytes() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def test_word_documents_are_accepted_and_a_renamed_workbook_is_not(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    ev = evidence.store_evidence(session, actors["kabid_lattas"], sub.id, None, "notulen.docx", docx_bytes())
    assert ev.content_type.endswith("wordprocessingml.document")
    with pytest.raises(InvalidInput, match="tidak sesuai dengan ekstensi .docx"):
        evidence.store_evidence(session, actors["kabid_lattas"], sub.id, None, "samaran.docx", xlsx_bytes())


@pytest.mark.parametrize("code, username, text, page", [
    ("pengolahan", "penyusun", None, "pages/pengolahan.py"),
    ("penyusunan", "penyusun", "Susun draf laporan TW III 2026", "pages/pengolahan.py"),
    ("sosialisasi", "sekdis", "Sosialisasikan draf laporan TW III 2026 kepada JFT Perencana", "pages/koreksi.py"),
    ("koreksi", "perencana", "Koreksi draf laporan TW III 2026", "pages/koreksi.py"),
    ("serah", "perencana", "Serahkan laporan TW III 2026 untuk didokumentasikan", "pages/koreksi.py"),
    ("dokumentasi", "penyusun", "Dokumentasikan laporan TW III 2026", "pages/dokumentasi.py"),
])
def test_tasks_of_the_later_steps_go_to_their_executor(session, actors, code, username, text, page):
    from core.navigation import page_allowed

    rnd = distributed(session, actors)
    rnd.current_step = session.scalar(select(SopStep.number).where(SopStep.code == code))
    session.flush()
    mine = tasks.my_tasks(session, actors[username], TODAY)
    if text is None:  # nothing submitted yet: nothing to check
        assert mine == []
        return
    assert [t.text for t in mine] == [text]
    assert mine[0].page_path == (page if page_allowed(actors[username].role, page) else None)
    others = [u for u in ALL_USERS if u not in (username, "kadis") and actors[u].role != actors[username].role]
    assert all(text not in task_texts(session, actors[u]) for u in others)


def test_a_step_reassigned_by_the_admin_moves_its_task(session, actors):
    step = session.scalar(select(SopStep).where(SopStep.code == "distribusi"))
    open_tw3(session, actors)
    step.executor_roles = ["kepala_dinas"]
    session.flush()
    assert task_texts(session, actors["sekdis"]) == []
    assert task_texts(session, actors["kadis"])[0].startswith("Distribusikan pengumpulan data TW III 2026")


def test_concurrent_saves_of_the_same_row_let_only_the_first_win(session, actors, db_url):
    """Two browser tabs read version 1; the second save must not silently overwrite the first."""
    from core.uow import unit_of_work

    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-04"))
    isi_data.save_entries(session, kabid, sub.id, {ind.id: {"Realisasi TW": 60}}, {ind.id: 0})
    session.commit()
    entry.entry_table(session, kabid, sub.id)  # this tab holds version 1 in memory
    session.commit()
    with unit_of_work(db_url) as other:  # the other tab saves first
        isi_data.save_entries(other, kabid, sub.id, {ind.id: {"Realisasi TW": 70}}, {ind.id: 1})
    with pytest.raises(Conflict, match="IK-04"):
        isi_data.save_entries(session, kabid, sub.id, {ind.id: {"Realisasi TW": 50}}, {ind.id: 1})
    session.rollback()
    with unit_of_work(db_url) as fresh:
        grid = entry.entry_table(fresh, kabid, sub.id).set_index("Kode")
        assert grid.loc["IK-04", "Realisasi TW"] == 70.0 and grid.loc["IK-04", "version"] == 2


# --- faktor pendorong (the E.81's driving factors) --------------------------------------------------------


def test_faktor_pendorong_is_required_at_or_above_target_as_kendala_is_below_it(session, actors):
    """At or above target (capaian ≥ 100 % by the office's formula) Ajukan asks for Faktor pendorong, naming the
    indicator; nothing changes until it is given; then the same Ajukan goes through."""
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    fill_on_target(session, kabid, sub)
    grid = entry.entry_table(session, kabid, sub.id).set_index("Kode")
    ik03, ik04 = int(grid.loc["IK-03", "indicator_id"]), int(grid.loc["IK-04", "indicator_id"])
    above = grid.loc["IK-04", "Target TW (RA)"] + 5
    isi_data.save_entries(session, kabid, sub.id, {ik03: {"Faktor pendorong": " "},  # blank is not given
                                                   ik04: {"Realisasi TW": above, "Faktor pendorong": ""}})
    state, audits = sub.state, count(session, AuditLog)
    with pytest.raises(InvalidInput) as err:
        isi_data.submit(session, kabid, sub.id)
    assert err.value.problems == [
        "IK-03 Jumlah tenaga kerja yang ditempatkan: capaian mencapai atau melampaui target; isi Faktor pendorong.",
        "IK-04 Jumlah peserta pelatihan berbasis kompetensi: capaian mencapai atau melampaui target; "
        "isi Faktor pendorong.",
    ]
    assert sub.state == state and sub.submitted_at is None and count(session, AuditLog) == audits
    isi_data.save_entries(session, kabid, sub.id, {ik03: {"Faktor pendorong": "Job fair bersama APINDO."},
                                                   ik04: {"Faktor pendorong": "Tambahan kelas dari APBD-P."}})
    isi_data.submit(session, kabid, sub.id)
    assert sub.state == "diajukan"
    stored = dict(session.execute(select(Realization.indicator_id, Realization.faktor_pendorong)
                                  .where(Realization.submission_id == sub.id)).all())
    assert stored[ik03] == "Job fair bersama APINDO." and stored[ik04] == "Tambahan kelas dari APBD-P."


def test_faktor_pendorong_is_not_asked_below_target_nor_without_a_capaian(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    fill_on_target(session, kabid, sub)
    grid = entry.entry_table(session, kabid, sub.id).set_index("Kode")
    ik03, ik05 = int(grid.loc["IK-03", "indicator_id"]), int(grid.loc["IK-05", "indicator_id"])
    isi_data.save_entries(session, kabid, sub.id, {
        ik03: {"Realisasi TW": grid.loc["IK-03", "Target TW (RA)"] - 10, "Faktor pendorong": "",
               "Kendala": "Job fair ditunda.", "Tindak lanjut": "Dijadwalkan ulang."},
        ik05: {"Realisasi TW": None, "Alasan tidak diukur": "Uji kompetensi TW IV.", "Faktor pendorong": ""}})
    assert isi_data.submission_problems(session, sub) == []


def test_faktor_pendorong_is_saved_with_the_row_audited_and_versioned(session, actors):
    rnd = distributed(session, actors)
    sub = sub_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    grid = entry.entry_table(session, kabid, sub.id).set_index("Kode")
    assert "Faktor pendorong" in entry.ENTRY_EDITABLE and "Faktor pendorong" in grid.columns
    ik03 = int(grid.loc["IK-03", "indicator_id"])
    isi_data.save_entries(session, kabid, sub.id, {ik03: {"Realisasi TW": "1.250", "Faktor pendorong":
                                                          "  Dukungan mitra  "}}, {ik03: 0})
    real = session.scalar(select(Realization).where(Realization.submission_id == sub.id,
                                                    Realization.indicator_id == ik03))
    assert real.value == Decimal(1250) and real.faktor_pendorong == "Dukungan mitra" and real.version == 1
    row = session.scalar(select(AuditLog).where(AuditLog.action == "realization.save")
                         .order_by(AuditLog.id.desc()))
    assert row.after["faktor_pendorong"] == "Dukungan mitra" and row.actor_id == kabid.user_id
    with pytest.raises(Conflict):  # a grid drawn before that save is stale
        isi_data.save_entries(session, kabid, sub.id, {ik03: {"Faktor pendorong": "Lain."}}, {ik03: 0})
    assert entry.entry_table(session, kabid, sub.id).set_index("Kode").loc["IK-03", "Faktor pendorong"] \
        == "Dukungan mitra"
