"""What the forms sent upward need, as Data Induk keeps it (issue #18 §1): the Renstra end targets (K per
indicator, Rp per program / kegiatan), the Renja level of an indicator and the DPA lines it measures, the
realisations of the years before the app, and the regency's evaluator. Both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import masterdata as md
from core import renja
from core.errors import Conflict, InvalidInput, NotAllowed
from db.models import AuditLog, BudgetLine, Indicator, OrgUnit, PriorRealisation, RenstraBudget, RenstraPeriod


def audit_rows(session, action: str) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def ind(session, code: str) -> Indicator:
    return session.scalar(select(Indicator).where(Indicator.code == code))


def office_id(actors) -> int:
    return actors["admin"].office_id


def period(session) -> RenstraPeriod:
    return session.scalar(select(RenstraPeriod).order_by(RenstraPeriod.id))


def counts(session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(m))
                 for m in (AuditLog, RenstraBudget, PriorRealisation))


# --- the indicator grid: Target Renstra akhir periode, Tingkat pada Renja --------------------------------------


def test_renstra_targets_are_read_the_indonesian_way_and_audited(session, actors):
    admin = actors["admin"]
    ik04, iku01 = ind(session, "IK-04"), ind(session, "IKU-01")
    n = md.save_indicator_renstra(session, admin, office_id(actors), {
        ik04.id: {"target_renstra": "1.250", "tingkat_renja": "kegiatan"},
        iku01.id: {"target_renstra": "73,5"}})
    assert n == 2
    session.expire_all()
    assert ind(session, "IK-04").renstra_target == Decimal(1250) and ind(session, "IK-04").renja_level == "kegiatan"
    assert ind(session, "IKU-01").renstra_target == Decimal("73.5")
    row = audit_rows(session, "indicator.renstra")[0]
    assert row.entity_id == str(ik04.id) and row.actor_username == "admin"
    assert Decimal(str(row.after["renstra_target"])) == 1250 and row.after["renja_level"] == "kegiatan"
    frame = md.list_indicator_renstra(session, office_id(actors), exact=True).set_index("kode")
    assert frame.loc["IK-04", "target_renstra"] == Decimal(1250) and frame.loc["IK-04", "tingkat_renja"] == "kegiatan"
    assert frame.loc["IK-04", "dpa_terkait"] == "2.07.03.2.01.0001"
    # back to derived ('otomatis' = NULL); the same values again change nothing
    md.save_indicator_renstra(session, admin, office_id(actors), {ik04.id: {"tingkat_renja": "Otomatis"}})
    assert ind(session, "IK-04").renja_level is None
    before = counts(session)
    assert md.save_indicator_renstra(session, admin, office_id(actors), {ik04.id: {"target_renstra": "1.250"}}) == 0
    assert counts(session) == before


def test_a_renstra_grid_drawn_before_another_save_does_not_overwrite_it(session, actors):
    from core.errors import Conflict

    admin = actors["admin"]
    ik04, ik03 = ind(session, "IK-04"), ind(session, "IK-03")
    drawn = md.list_indicator_renstra(session, office_id(actors), exact=True).set_index("id")

    def shown(*ids):
        return {i: {"target_renstra": drawn.at[i, "target_renstra"], "tingkat_renja": drawn.at[i, "tingkat_renja"]}
                for i in ids}

    md.save_indicator_renstra(session, admin, office_id(actors), {ik04.id: {"target_renstra": "1.250"}},
                              shown(ik04.id))
    before = counts(session)
    with pytest.raises(Conflict, match="Renstra indikator IK-04 sudah diubah melalui akun Anda"):
        md.save_indicator_renstra(session, admin, office_id(actors), {
            ik03.id: {"target_renstra": "3.600"}, ik04.id: {"target_renstra": "9,5"}}, shown(ik03.id, ik04.id))
    assert counts(session) == before and ind(session, "IK-04").renstra_target == Decimal(1250)
    assert ind(session, "IK-03").renstra_target == drawn.at[ik03.id, "target_renstra"]  # all or nothing
    # another column of the same row, unchanged since it was drawn, is saved
    assert md.save_indicator_renstra(session, admin, office_id(actors), {ik04.id: {"tingkat_renja": "kegiatan"}},
                                     shown(ik04.id)) == 1


def test_bad_renstra_targets_are_refused_all_together_and_nothing_is_saved(session, actors):
    ik04, iku01 = ind(session, "IK-04"), ind(session, "IKU-01")
    old = (ik04.renstra_target, iku01.renstra_target, iku01.renja_level)
    before = counts(session)
    with pytest.raises(InvalidInput) as err:
        md.save_indicator_renstra(session, actors["admin"], office_id(actors), {
            ik04.id: {"target_renstra": "1.250"},  # fine, but the save is all or nothing
            iku01.id: {"target_renstra": "73.5", "tingkat_renja": "sub kegiatan"}})
    problems = err.value.problems
    assert len(problems) == 2 and err.value.message.startswith("Target Renstra belum disimpan.")
    assert problems[0].startswith("Target Renstra akhir periode IKU-01: '73.5'") and "73,5" in problems[0]
    assert problems[1].startswith("Tingkat pada Renja IKU-01: 'sub kegiatan' tidak dikenal")
    session.expire_all()
    assert (ind(session, "IK-04").renstra_target, ind(session, "IKU-01").renstra_target,
            ind(session, "IKU-01").renja_level) == old
    assert counts(session) == before
    with pytest.raises(InvalidInput, match="harus angka 0 atau lebih"):
        md.save_indicator_renstra(session, actors["admin"], office_id(actors), {ik04.id: {"target_renstra": "-5"}})


@pytest.mark.parametrize("who", ["kabid_lattas", "penyusun", "kadis"])
def test_only_the_administrator_keeps_the_renstra_figures(session, actors, who):
    before = counts(session)
    ik04 = ind(session, "IK-04")
    for call in (
        lambda a: md.save_indicator_renstra(session, a, office_id(actors), {ik04.id: {"target_renstra": "1"}}),
        lambda a: md.save_renstra_budgets(session, a, office_id(actors), period(session).id,
                                          {"2.07.03": {"pagu_akhir": "1"}}),
        lambda a: md.save_prior_realisations(session, a, office_id(actors), 2023,
                                             indicators={ik04.id: {"realisasi": "1"}}),
        lambda a: md.update_evaluator(session, a, office_id(actors), title="x", name="y", nip=""),
    ):
        with pytest.raises(NotAllowed, match="tidak berwenang mengelola data induk"):
            call(actors[who])
    assert counts(session) == before


# --- the DPA grid: Indikator terkait ---------------------------------------------------------------------------


def test_dpa_lines_link_to_indicators_by_code_and_an_unknown_code_is_named(session, actors):
    admin = actors["admin"]
    line = session.scalar(select(BudgetLine).where(BudgetLine.code == "2.07.03.2.01.0001", BudgetLine.year == 2026))
    version = line.version
    md.save_budget_lines(session, admin, {line.id: {"indikator_terkait": "ik-04, IK-05 ,IKU-01"}}, {line.id: version})
    session.expire_all()
    line = session.get(BudgetLine, line.id)
    assert sorted(i.code for i in line.indicators) == ["IK-04", "IK-05", "IKU-01"] and line.version == version + 1
    row = audit_rows(session, "budget.update")[-1]
    assert row.before["indikator_terkait"] == "IK-04, IK-05" and row.after["indikator_terkait"] == "IK-04, IK-05, IKU-01"
    frame = md.list_budget_lines(session, office_id(actors), 2026).set_index("kode")
    assert frame.loc["2.07.03.2.01.0001", "indikator_terkait"] == "IK-04, IK-05, IKU-01"
    before = counts(session)
    with pytest.raises(InvalidInput) as err:
        md.save_budget_lines(session, admin, {line.id: {"indikator_terkait": "IK-04, IK-77", "pagu": "1.000"}})
    assert "kode indikator IK-77 tidak dikenal" in err.value.message and "2.07.03.2.01.0001" in err.value.message
    assert counts(session) == before
    with pytest.raises(Conflict):  # a grid drawn before the save above
        md.save_budget_lines(session, admin, {line.id: {"indikator_terkait": "IK-04"}}, {line.id: version})


# --- Target Renstra (Rp) per program and kegiatan --------------------------------------------------------------


def test_renstra_pagu_grid_lists_the_dpa_programs_and_kegiatan_and_saves_rupiah(session, actors):
    admin, p = actors["admin"], period(session)
    frame = md.list_renstra_budgets(session, office_id(actors), p.id, exact=True).set_index("kode")
    codes = {renja.program_code(c) for c in session.scalars(select(BudgetLine.code))} | {
        renja.kegiatan_code(c) for c in session.scalars(select(BudgetLine.code))}
    assert codes <= set(frame.index)
    assert frame.loc["2.07.03", "tingkat"] == "Program" and frame.loc["2.07.03.2.01", "tingkat"] == "Kegiatan"
    old = frame.loc["2.07.03", "versi"]
    n = md.save_renstra_budgets(session, admin, office_id(actors), p.id,
                                {"2.07.03": {"pagu_akhir": "Rp 7.500.000.000"},
                                 "9.99.99": {"pagu_akhir": "1.250.000,50", "nama": "Program baru"}},
                                {"2.07.03": int(old), "9.99.99": 0})
    assert n == 2
    saved = {b.code: b for b in session.scalars(select(RenstraBudget).where(RenstraBudget.period_id == p.id))}
    assert saved["2.07.03"].end_pagu == Decimal(7_500_000_000) and saved["2.07.03"].version == old + 1
    assert saved["9.99.99"].end_pagu == Decimal("1250000.50") and saved["9.99.99"].name == "Program baru"
    assert sorted(r.action for r in session.scalars(select(AuditLog).where(AuditLog.entity == "renstra_budget"))) \
        == ["renstra_budget.create", "renstra_budget.update"]
    with pytest.raises(Conflict):  # the version the person saw is older
        md.save_renstra_budgets(session, admin, office_id(actors), p.id, {"2.07.03": {"pagu_akhir": "1"}},
                                {"2.07.03": int(old)})
    before = counts(session)
    with pytest.raises(InvalidInput) as err:
        md.save_renstra_budgets(session, admin, office_id(actors), p.id,
                                {"2.07.04": {"pagu_akhir": "1.000"}, "2.07.05": {"pagu_akhir": "1,005"}})
    assert err.value.problems == ["Pagu akhir periode Renstra 2.07.05 harus rupiah dengan paling banyak 2 angka "
                                  "desimal (diisi '1,005')."]
    assert counts(session) == before


# --- realisations of the years before the app ----------------------------------------------------------------


def test_years_before_the_first_round_are_entered_and_later_years_are_refused(session, actors):
    admin, p = actors["admin"], period(session)
    assert md.prior_years(session, office_id(actors), p.id) == [2021, 2022, 2023, 2024]  # rounds since 2025
    with pytest.raises(InvalidInput, match="dihitung dari data triwulan di aplikasi"):
        md.save_prior_realisations(session, admin, office_id(actors), 2025,
                                   indicators={ind(session, "IK-04").id: {"realisasi": "1"}})


def test_prior_realisations_are_saved_updated_and_removed_with_audit(session, actors):
    admin, off = actors["admin"], office_id(actors)
    ik04, iku01 = ind(session, "IK-04"), ind(session, "IKU-01")
    frame = md.list_prior_indicators(session, off, 2023, exact=True).set_index("kode")
    v = int(frame.loc["IK-04", "versi"])
    rp = md.list_prior_budgets(session, off, 2023, period(session).id, exact=True).set_index("kode")
    assert "2.07.03" in rp.index and "2.07.03.2.01" in rp.index
    n = md.save_prior_realisations(
        session, admin, off, 2023,
        indicators={ik04.id: {"realisasi": "1.250", "sumber": "LKjIP 2023 (revisi)"}, iku01.id: {"realisasi": ""}},
        codes={"2.07.03.2.01": {"realisasi": "Rp 1.250.000.000", "sumber": "LRA 2023"}},
        indicator_versions={ik04.id: v})
    assert n == 3  # IK-04 updated, IKU-01 removed, the kegiatan added
    rows = {(r.indicator_id, r.code): r for r in session.scalars(
        select(PriorRealisation).where(PriorRealisation.year == 2023))}
    assert rows[(ik04.id, None)].value == Decimal(1250) and rows[(ik04.id, None)].source == "LKjIP 2023 (revisi)"
    assert (iku01.id, None) not in rows
    assert rows[(None, "2.07.03.2.01")].amount == Decimal(1_250_000_000)
    actions = [r.action for r in session.scalars(select(AuditLog).where(AuditLog.entity == "prior_realisation"))]
    assert sorted(actions) == ["prior_realisation.create", "prior_realisation.delete", "prior_realisation.update"]
    # core.renja reads the entered year
    years = renja.indicator_years(session, off, [ik04], [2023])
    assert years[ik04.id][2023].value == Decimal(1250)
    with pytest.raises(Conflict):
        md.save_prior_realisations(session, admin, off, 2023, indicators={ik04.id: {"realisasi": "5"}},
                                   indicator_versions={ik04.id: v})


def test_bad_prior_realisations_are_refused_all_together(session, actors):
    admin, off = actors["admin"], office_id(actors)
    before = counts(session)
    with pytest.raises(InvalidInput) as err:
        md.save_prior_realisations(session, admin, off, 2022,
                                   indicators={ind(session, "IK-04").id: {"realisasi": "seratus"},
                                               ind(session, "IKU-01").id: {"realisasi": "73,5"}},
                                   codes={"2.07.03": {"realisasi": "-1"}})
    assert len(err.value.problems) == 2 and err.value.message.startswith("Realisasi tahun 2022 belum disimpan.")
    assert err.value.problems[0].startswith("Realisasi IK-04: 'seratus'")
    assert "Realisasi 2.07.03 (Rp) harus angka 0 atau lebih" in err.value.problems[1]
    assert counts(session) == before


# --- the regency's evaluator -----------------------------------------------------------------------------------


def test_the_evaluator_is_a_setting_of_the_regency_with_a_checked_nip(session, actors):
    admin, off = actors["admin"], office_id(actors)
    assert md.evaluator_settings(session, off)["name"] == "Ir. Yohanes Sanding, M.T."
    with pytest.raises(InvalidInput) as err:
        md.update_evaluator(session, admin, off, title="Kepala Bappeda", name="Dr. Maria Ulfa", nip="1972 0514")
    assert "NIP harus 18 angka" in err.value.message
    assert md.update_evaluator(session, admin, off, title="Plt. Kepala Bappeda Kabupaten Kapuas Hulu",
                               name="Dr. Maria Ulfa, M.Si.", nip="19750312 200003 2 001")
    regency = session.scalar(select(OrgUnit).where(OrgUnit.kind == "pemkab"))
    assert (regency.evaluator_title, regency.evaluator_name, regency.evaluator_nip) == (
        "Plt. Kepala Bappeda Kabupaten Kapuas Hulu", "Dr. Maria Ulfa, M.Si.", "197503122000032001")
    row = audit_rows(session, "regency.evaluator")[-1]
    assert row.entity == "org_unit" and row.entity_id == str(regency.id)
    assert row.before["evaluator_nip"] == "197205141998031007" and row.after["evaluator_nip"] == "197503122000032001"
    assert not md.update_evaluator(session, admin, off, title="Plt. Kepala Bappeda Kabupaten Kapuas Hulu",
                                   name="Dr. Maria Ulfa, M.Si.", nip="197503122000032001")
