"""Every download × every role follows the one read rule of core.permissions.read_scope, checked on the bytes.

A documented round of the demo office in which every unit has its own evidence, reviewer comment and
correction, and one unit was returned with a reason. Then each demo role (and a Kasubag, whose part is the
Sekretariat above her, and a Kepala Dinas of another office) takes every download the pages offer:

- Dokumentasi: the round archive (.zip), the final report's files, the archive verification's member list;
- Sosialisasi & Koreksi: the draft report's files;
- Isi Data / Pengolahan: every evidence file (and the evidence list), the unit workbook;
- Rekap & Unduh: the CSV / XLSX recaps (office-wide numbers for everyone, no unit's free text).

The roles of "unit_data.read_all" get the whole archive as stored, byte for byte; a unit role gets its
units' part: the published report, the round's step history and exactly its own rows and files — no name,
text or file of another unit in it; an account of another office gets nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from core import archive, entry, evidence, exports, recap, report_versions
from core.actor import ROLES, Actor
from core.errors import NotAllowed
from core.permissions import allowed_roles, read_scope
from core.steps import dokumentasi, koreksi, pengolahan, penyusunan
from core.unit_workbook import unit_workbook
from db.models import Evidence, Indicator, OrgUnit, Submission
from tests.factories import make_round, resubmit, submission_of, unit

ACTING = {"kepala_dinas": "kadis", "sekretaris": "sekdis", "kepala_bidang": "kabid_lattas", "jft": "jft_mediator",
          "perencana": "perencana", "penyusun": "penyusun", "admin": "admin", "pemantau": "pemantau"}
assert set(ACTING) == set(ROLES)
# The unit(s) whose part a unit account gets: its own, or the reporting unit above it.
OWN = {"kabid_lattas": {"BID-LATTAS"}, "jft_mediator": {"JFT"}, "kasubag_keuren": {"SEKRETARIAT"},
       "kabid_hijs": {"BID-HIJS"}}
USERS = [*ACTING.values(), "kasubag_keuren", "kabid_hijs"]
UNIT_CSVS = ("data/realisasi-indikator.csv", "data/realisasi-anggaran.csv", "riwayat/pemeriksaan.csv",
             "riwayat/catatan-pemeriksa.csv")


def _documented(session, actors):
    """The round, documented, with one comment, one correction and distinct texts per unit."""
    penyusun = actors["penyusun"]
    rnd = make_round(session, at="pengolahan", state="diajukan", evidence=True)
    subs = {session.get(OrgUnit, s.unit_id).code: s for s in rnd.submissions}
    returned = "BID-HIJS"
    pengolahan.return_submission(session, penyusun, subs[returned].id, f"Alasan pengembalian rahasia {returned}.")
    resubmit(session, subs[returned])
    for code, sub in subs.items():
        c = pengolahan.add_comment(session, penyusun, sub.id, None, f"Catatan pemeriksa rahasia {code}.")
        pengolahan.resolve_comment(session, penyusun, c.id)
        pengolahan.accept(session, penyusun, sub.id)
    draft = penyusunan.compile_draft(session, penyusun, rnd.id)
    koreksi.send_to_planner(session, actors["sekdis"], rnd.id)
    for code, sub in subs.items():
        ind = session.scalar(select(Indicator).where(Indicator.owner_unit_id == sub.unit_id).order_by(Indicator.id))
        if ind is not None:
            koreksi.add_correction(session, actors["perencana"], draft.id, f"IND:{ind.code}", "kendala",
                                     f"Koreksi rahasia {code}.", f"Kendala terkoreksi rahasia {code}.")
    koreksi.apply_corrections(session, penyusun, rnd.id)
    koreksi.hand_over(session, actors["perencana"], rnd.id)
    arc = dokumentasi.document(session, penyusun, rnd.id)
    session.commit()
    return rnd, arc, draft, subs


def _other_office(actors) -> Actor:
    kadis = actors["kadis"]
    return Actor(user_id=kadis.user_id, username="kadis_lain", full_name="Kepala Dinas Lain", role="kepala_dinas",
                 unit_id=None, office_id=kadis.office_id + 1000)


def _expected(session, actors, username, subs) -> set[str]:
    """Unit codes whose data the account reads, as the permission model says (not as the code under test)."""
    if actors[username].role in allowed_roles(session, "unit_data.read_all"):
        return set(subs)
    return OWN[username]


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def _secrets(code: str) -> list[str]:
    return [f"rahasia {code}."]


def test_archive_download_by_every_role(session, actors):
    rnd, arc, _draft, subs = _documented(session, actors)
    stored = archive.archive_path(arc.path).read_bytes()
    full = zipfile.ZipFile(io.BytesIO(stored))
    names = {code: unit(session, code).name for code in subs}
    evidence_of = {code: {f"bukti/{code}/{ev.id}-{ev.filename}" for ev in session.scalars(
        select(Evidence).where(Evidence.submission_id == sub.id))} for code, sub in subs.items()}
    assert all(evidence_of.values()), "every unit has evidence in the round"
    full_rows = {m: _csv_rows(full.read(m)) for m in UNIT_CSVS}
    assert {r["unit"] for r in full_rows["riwayat/pemeriksaan.csv"]} == set(names.values())
    lines = json.loads(full.read("laporan/baris-laporan.json"))
    unit_of_line = {ln["key"]: ln["unit"] for ln in lines}

    for username in USERS:
        actor = actors[username]
        mine = _expected(session, actors, username, subs)
        file_name, data = archive.archive_download(session, actor, arc.id)
        access = archive.archive_access(session, actor, arc.id)
        if mine == set(subs):
            assert access.whole and access.label == "Unduh arsip (.zip)", username
            assert data == stored and file_name == Path(arc.path).name, username
            continue
        assert not access.whole and access.label == "Unduh arsip bagian unit Anda (.zip)", username
        assert file_name.endswith(f"-bagian-{'-'.join(sorted(mine)).lower()}.zip"), (username, file_name)
        part = zipfile.ZipFile(io.BytesIO(data))
        members = set(part.namelist())
        # the published report and the round's own history, unchanged
        shared = {n for n in full.namelist() if n.startswith("laporan/")} | {"riwayat/langkah.csv",
                                                                           "riwayat/versi-laporan.csv"}
        assert shared <= members, username
        for n in shared:
            assert part.read(n) == full.read(n), (username, n)
        # exactly the unit's evidence files, byte for byte
        want_evidence = set().union(*(evidence_of[c] for c in mine))
        assert {n for n in members if n.startswith("bukti/")} == want_evidence, username
        for n in want_evidence:
            assert part.read(n) == full.read(n)
        # exactly the unit's rows of every unit CSV, as written in the stored bundle
        my_names = {names[c] for c in mine}
        for m in UNIT_CSVS:
            assert _csv_rows(part.read(m)) == [r for r in full_rows[m] if r["unit"] in my_names], (username, m)
        corrections = _csv_rows(part.read("riwayat/koreksi.csv"))
        assert corrections and all(unit_of_line[r["baris"]] in my_names for r in corrections), username
        assert len(corrections) == sum(1 for r in _csv_rows(full.read("riwayat/koreksi.csv"))
                                       if unit_of_line[r["baris"]] in my_names)
        snapshot = json.loads(part.read("data/data-pengumpulan.json"))
        for key in ("realisasi_indikator", "realisasi_anggaran", "bukti_dukung"):
            assert {r["unit"] for r in snapshot[key]} <= my_names, (username, key)
        assert {r["berkas"] for r in snapshot["bukti_dukung"]} == want_evidence
        history = json.loads(part.read("riwayat/riwayat.json"))
        assert {r["unit"] for r in history["pemeriksaan"] + history["catatan_pemeriksa"]} == my_names
        # nothing of another unit anywhere outside the published report: no name, no text
        others = set(subs) - mine
        for n in members - shared:
            text = part.read(n).decode("utf-8", errors="replace")
            for code in others:
                for secret in _secrets(code):
                    assert secret not in text, (username, n, secret)
                if not n.startswith("bukti/"):
                    assert names[code] not in text, (username, n, names[code])
        # its own manifest matches, and names the bundle it was cut from
        manifest = json.loads(part.read("manifest.json"))
        assert manifest["berkas"] == {n: hashlib.sha256(part.read(n)).hexdigest()
                                      for n in members - {"manifest.json"}}
        assert manifest["dari_arsip"]["sha256"] == arc.sha256 and set(manifest["bagian_unit"]) == my_names

    for actor in (_other_office(actors),):
        with pytest.raises(NotAllowed):
            archive.archive_download(session, actor, arc.id)
        with pytest.raises(NotAllowed):
            archive.archive_access(session, actor, arc.id)


def test_a_unit_part_of_every_unit_is_the_stored_bundle_member_for_member(session, actors):
    """The cutting keeps rows as written: the part of all units holds every member of the bundle unchanged."""
    rnd, arc, _draft, subs = _documented(session, actors)
    stored = archive.archive_path(arc.path).read_bytes()
    every = tuple(unit(session, code).name for code in subs)
    part = zipfile.ZipFile(io.BytesIO(archive.unit_part(stored, every, arc)))
    full = zipfile.ZipFile(io.BytesIO(stored))
    assert set(part.namelist()) == set(full.namelist())
    for n in full.namelist():
        if n != "manifest.json":
            assert part.read(n) == full.read(n), n
    assert json.loads(part.read("manifest.json"))["berkas"] == arc.manifest


def test_report_files_and_archive_verification_by_every_role(session, actors):
    rnd, arc, draft, subs = _documented(session, actors)
    final_files = {f.name: f.content for f in session.get(report_versions.Report, arc.report_id).files}
    draft_files = {f.name: f.content for f in draft.files}
    for username in USERS:
        actor = actors[username]
        whole = _expected(session, actors, username, subs) == set(subs)
        # the final report is what the office publishes: every account of the office downloads it
        got = {f.name: f.content for f in report_versions.report_file_items(session, actor, arc.report_id)}
        assert got == final_files, username
        # a draft holds every unit's working data: the overseeing roles only
        if whole:
            assert {f.name: f.content for f in report_versions.report_file_items(session, actor, draft.id)} == draft_files
        else:
            with pytest.raises(NotAllowed, match="laporan final"):
                report_versions.report_file_items(session, actor, draft.id)
        # verification: everyone may check the bundle, a unit sees no other unit's evidence file listed
        check = archive.verify_archive(session, actor, arc.id)
        assert check.ok, username
        listed = set(check.members["name"])
        if whole:
            assert listed == set(arc.manifest), username
        else:
            own = tuple(f"bukti/{c}/" for c in OWN[username])
            assert {n for n in listed if n.startswith("bukti/")} == {n for n in arc.manifest if n.startswith(own)}
            assert listed >= {n for n in arc.manifest if not n.startswith("bukti/")}
    stranger = _other_office(actors)
    for call in (lambda: report_versions.report_file_items(session, stranger, arc.report_id),
                 lambda: archive.verify_archive(session, stranger, arc.id)):
        with pytest.raises(NotAllowed):
            call()


def test_every_evidence_file_and_unit_workbook_by_every_role(session, actors):
    rnd, _arc, _draft, subs = _documented(session, actors)
    files = [(code, ev) for code, sub in subs.items()
             for ev in session.scalars(select(Evidence).where(Evidence.submission_id == sub.id))]
    assert len({code for code, _ in files}) == len(subs)
    stranger = _other_office(actors)
    for username in [*USERS, None]:
        actor = actors[username] if username else stranger
        mine = _expected(session, actors, username, subs) if username else set()
        scope = read_scope(session, actor, rnd.office_id)
        for code, ev in files:
            assert scope.covers(subs[code].unit_id) == (code in mine), (username, code)
            if code in mine:
                name, media, data = evidence.read_evidence(session, actor, ev.id)
                assert (name, data) == (ev.filename, Path(ev.stored_path).read_bytes()), (username, code)
            else:
                with pytest.raises(NotAllowed):
                    evidence.read_evidence(session, actor, ev.id)
        for code, sub in subs.items():
            if code in mine:
                assert {f.id for f in evidence.list_evidence(session, actor, sub.id)} == {
                    ev.id for c, ev in files if c == code}
                book = unit_workbook(session, actor, sub.id)
                assert zipfile.is_zipfile(io.BytesIO(book)), (username, code)
            else:
                for call in (evidence.list_evidence, unit_workbook, entry.submission_view):
                    with pytest.raises(NotAllowed):
                        call(session, actor, sub.id)


def test_recap_downloads_carry_numbers_not_a_units_free_text(session, actors):
    """Rekap & Unduh is for every role (recap.view): the office's numbers per indicator and unit, but no
    kendala, note, review reason, comment or correction note of any unit."""
    rnd, _arc, _draft, subs = _documented(session, actors)
    assert allowed_roles(session, "recap.view") == frozenset(ROLES)
    b = recap.bundle(session, rnd.office_id, rnd.year, rnd.quarter)
    for view_name, df in recap.views(b).items():
        for dialect in exports.DIALECTS:
            text = exports.to_csv(df, dialect).decode("utf-8-sig")
            assert "rahasia" not in text and "Cuaca dan jarak tempuh" not in text, view_name
            assert "Kendala" not in text.splitlines()[0] and "Catatan" not in text.splitlines()[0], view_name
    assert session.scalar(select(Submission.id).where(Submission.round_id == rnd.id)) is not None
    assert submission_of(session, rnd, "BID-HIJS").state == "diterima"
