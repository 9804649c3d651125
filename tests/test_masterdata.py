"""Data induk: the admin keeps units, users, Renstra, targets, DPA lines and SOP steps; nobody else may."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from core import masterdata as md
from core.auth import check_password
from core.errors import Conflict, InvalidInput, NotAllowed
from db.models import AuditLog, BudgetLine, Indicator, OrgUnit, PaguHistory, SopStep, Target, User


def audit_count(session, action: str | None = None) -> int:
    q = select(func.count()).select_from(AuditLog)
    if action:
        q = q.where(AuditLog.action == action)
    return session.scalar(q) or 0


def unit_id(session, code: str) -> int:
    return session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


def indicator(session, code: str) -> Indicator:
    return session.scalar(select(Indicator).where(Indicator.code == code))


# --- permissions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["kabid_lattas", "kadis", "penyusun", "pemantau"])
def test_only_admin_may_change_master_data_and_a_refusal_writes_nothing(session, actors, who):
    actor = actors[who]
    before = audit_count(session)
    office = actors["admin"].office_id
    calls = [
        lambda: md.create_unit(session, actor, code="BID-X", name="Bidang X", kind="bidang", parent_id=office),
        lambda: md.create_user(session, actor, username="baru", full_name="Baru", password="rahasia123",
                               role="jft", unit_id=unit_id(session, "JFT")),
        lambda: md.save_target(session, actor, indicator(session, "IK-03").id, 2027, annual="700"),
        lambda: md.update_sop_step(session, actor, 1, executor_roles=["sekretaris"], standard_minutes=10,
                                   standard_label="10 menit", inputs="", output="Disposisi"),
        lambda: md.copy_year(session, actor, office, 2026, 2027),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    session.flush()
    assert audit_count(session) == before
    assert session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.code == "BID-X")) == 0
    assert session.scalar(select(Target).where(Target.year == 2027)) is None


# --- units --------------------------------------------------------------------------------------------


def test_admin_builds_the_unit_tree_with_one_audit_row_per_change(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    new = md.create_unit(session, admin, code="bid-kop", name="Bidang Koperasi", kind="bidang", parent_id=office)
    unit = session.get(OrgUnit, new)
    assert unit.code == "BID-KOP" and unit.office_id == office
    assert md.rename_unit(session, admin, new, "Bidang Koperasi dan UKM")
    md.move_unit(session, admin, new, unit_id(session, "SEKRETARIAT"))
    assert unit.parent.code == "SEKRETARIAT"
    md.set_unit_active(session, admin, new, False)
    assert not unit.active
    rows = session.scalars(select(AuditLog).where(AuditLog.entity == "org_unit", AuditLog.entity_id == str(new))
                           .order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == ["unit.create", "unit.update", "unit.move", "unit.deactivate"]
    assert rows[1].before == {"name": "Bidang Koperasi"} and rows[1].after == {"name": "Bidang Koperasi dan UKM"}
    tree = md.list_units(session, office)
    assert "BID-KOP" in set(tree["kode"])


def test_unit_kinds_come_from_the_model():
    assert set(md.UNIT_KINDS) == {"pemkab", "dinas", "sekretariat", "subbagian", "bidang", "jft"}


def test_unit_cannot_move_under_itself_or_be_deactivated_with_people_in_it(session, actors):
    admin = actors["admin"]
    sek = unit_id(session, "SEKRETARIAT")
    with pytest.raises(InvalidInput, match="bawah dirinya sendiri"):
        md.move_unit(session, admin, sek, unit_id(session, "SUBAG-UMUM"))
    with pytest.raises(InvalidInput, match="pengguna"):
        md.set_unit_active(session, admin, unit_id(session, "BID-IND"), False)
    with pytest.raises(InvalidInput, match="Kode unit"):
        md.create_unit(session, admin, code="JFT", name="Lagi", kind="jft", parent_id=admin.office_id)
    with pytest.raises(InvalidInput, match="Jenis unit"):
        md.create_unit(session, admin, code="ZZ", name="Lagi", kind="seksi", parent_id=admin.office_id)


# --- users --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nip,why", [
    ("19720415199803100", "18 angka"),
    ("1972041519980310071", "18 angka"),
    ("19720415199803100A", "18 angka"),
    ("197202301998031007", "tanggal lahir"),
    ("197204151998131007", "bulan"),
    ("197204151980031007", "pengangkatan"),
    ("197204151998033007", "angka ke-15"),
])
def test_nip_must_be_18_plausible_digits(nip, why):
    with pytest.raises(InvalidInput, match=why):
        md.validate_nip(nip)


def test_demo_nips_are_plausible():
    assert md.validate_nip("1972 0415 1998 03 1 007") == "197204151998031007"
    assert md.validate_nip("") is None


def test_admin_creates_a_user_who_can_log_in_and_resets_the_password(session, actors):
    admin = actors["admin"]
    uid = md.create_user(session, admin, username="Staf_Baru", full_name="Siti Aminah, S.E.", password="awal2026x",
                         role="jft", unit_id=unit_id(session, "JFT"), nip="199005102015032004",
                         jabatan="Pengantar Kerja Ahli Pertama", pangkat="Penata Muda (III/a)")
    user = session.get(User, uid)
    assert user.username == "staf_baru" and check_password("awal2026x", user.password_hash)
    created = session.scalar(select(AuditLog).where(AuditLog.action == "user.create"))
    assert "password_hash" not in created.after and created.after["nip"] == "199005102015032004"
    md.reset_password(session, admin, uid, "baru2026y")
    assert check_password("baru2026y", user.password_hash)
    reset = session.scalar(select(AuditLog).where(AuditLog.action == "user.reset_password"))
    assert "baru2026y" not in str(reset.after)
    md.update_user(session, admin, uid, role="kepala_bidang", unit_id=unit_id(session, "BID-IND"))
    md.set_user_active(session, admin, uid, False)
    assert not user.active and user.role == "kepala_bidang"
    md.set_user_active(session, admin, uid, True)
    assert user.active


def test_user_rules_username_unique_password_rule_nip_unique(session, actors):
    admin = actors["admin"]
    jft = unit_id(session, "JFT")
    with pytest.raises(InvalidInput, match="sudah dipakai"):
        md.create_user(session, admin, username="KADIS", full_name="X", password="rahasia123", role="jft", unit_id=jft)
    with pytest.raises(InvalidInput, match="Kata sandi"):
        md.create_user(session, admin, username="baru", full_name="X", password="pendek", role="jft", unit_id=jft)
    with pytest.raises(InvalidInput, match="NIP 197204151998031007 sudah dipakai"):
        md.create_user(session, admin, username="baru", full_name="X", password="rahasia123", role="jft",
                       unit_id=jft, nip="197204151998031007")
    with pytest.raises(InvalidInput, match="Peran"):
        md.create_user(session, admin, username="baru", full_name="X", password="rahasia123", role="raja",
                       unit_id=jft)
    with pytest.raises(NotAllowed):
        md.set_user_active(session, admin, admin.user_id, False)
    assert session.scalar(select(User).where(User.username == "baru")) is None


# --- Renstra and indicators ----------------------------------------------------------------------------------


def test_admin_adds_a_renstra_period_sasaran_and_indicator(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    pid = md.create_period(session, admin, office, "Renstra 2027–2031", 2027, 2031)
    sid = md.create_sasaran(session, admin, pid, "S1", "Meningkatnya kesempatan kerja")
    iid = md.create_indicator(session, admin, office, sasaran_id=sid, code="IK-99", name="Jumlah pelatihan",
                              satuan="kali", polarity="positif", combine="sum", is_iku=True,
                              owner_unit_id=unit_id(session, "BID-LATTAS"), needs_evidence=False)
    with pytest.raises(InvalidInput, match="sudah dipakai"):
        md.create_indicator(session, admin, office, sasaran_id=sid, code="ik-99", name="Lagi", satuan="kali",
                            owner_unit_id=unit_id(session, "BID-LATTAS"))
    with pytest.raises(InvalidInput, match="Polaritas"):
        md.update_indicator(session, admin, iid, polarity="naik")
    with pytest.raises(InvalidInput, match="akumulasi"):
        md.update_indicator(session, admin, iid, combine="median")
    md.update_indicator(session, admin, iid, combine="last", definition="Banyaknya pelatihan")
    ind = session.get(Indicator, iid)
    assert ind.combine == "last" and ind.is_iku and not ind.needs_evidence
    upd = session.scalar(select(AuditLog).where(AuditLog.action == "indicator.update"))
    assert upd.before == {"combine": "sum", "definition": ""}
    assert "IK-99" in set(md.list_indicators(session, office)["kode"])
    with pytest.raises(InvalidInput, match="Tahun akhir"):
        md.create_period(session, admin, office, "Salah", 2031, 2027)


# --- targets ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("combine,annual,qs,ok", [
    ("sum", "100", ["20", "25", "30", "25"], True),
    ("sum", "100", ["20", "25", "30", "20"], False),
    ("last", "4", ["4.5", "4.4", "4.2", "4"], True),
    ("last", "4", ["4.5", "4.4", "4.2", "4.1"], False),
    ("avg", "8", ["8", "9", "7", "8"], True),
    ("avg", "8", ["8", "9", "7", "9"], False),
    ("sum", None, ["1", "2", "3", "4"], True),
    ("sum", "100", ["20", None, None, None], True),
    ("sum", "100", [None, None, None, None], True),  # no quarterly targets yet: no warning
    ("last", "4", [None, None, None, None], True),
    ("avg", "8", [None, None, None, None], True),
    ("avg", "8", ["8", None, "8", "8"], True),  # the mean needs all four
    ("avg", "7.5", ["7", "8", "7", "8"], True),  # exact mean, no rounding
    ("avg", "7.49", ["7", "8", "7", "8"], False),
])
def test_quarterly_targets_combine_to_the_annual_by_the_indicator_rule(combine, annual, qs, ok):
    warning = md.mismatch_warning(combine, Decimal(annual) if annual else None,
                                  [Decimal(q) if q else None for q in qs])
    assert (warning is None) is ok


def test_target_mismatch_is_saved_only_with_a_reason_which_is_stored_and_audited(session, actors):
    admin = actors["admin"]
    ind = indicator(session, "IK-03")  # orang, sum
    res = md.save_target(session, admin, ind.id, 2027, annual="700", q1="100", q2="150", q3="200", q4="200",
                         expected_version=0)
    assert not res.saved and "Jumlah target TW I–IV (650)" in res.warnings[0]
    assert "Isi alasan selisih" in res.warnings[0]
    assert session.scalar(select(Target).where(Target.indicator_id == ind.id, Target.year == 2027)) is None
    res = md.save_target(session, admin, ind.id, 2027, annual="700", q1="100", q2="150", q3="200", q4="200",
                         mismatch_reason="   ", expected_version=0)  # blank is no reason
    assert not res.saved
    res = md.save_target(session, admin, ind.id, 2027, annual="700", q1="100", q2="150", q3="200", q4="200",
                         mismatch_reason=" PK perubahan  belum ditetapkan ", expected_version=0)
    t = session.get(Target, res.target_id)
    assert res.saved and t.mismatch_accepted and t.q4 == Decimal("200")
    assert t.mismatch_reason == "PK perubahan belum ditetapkan"
    create = session.scalars(select(AuditLog).where(AuditLog.action == "target.create")).all()[-1]
    assert create.after["mismatch_reason"] == "PK perubahan belum ditetapkan"
    res = md.save_target(session, admin, ind.id, 2027, q4="250", expected_version=1)
    assert res.saved and not t.mismatch_accepted and t.mismatch_reason is None and t.version == 2
    update = session.scalars(select(AuditLog).where(AuditLog.action == "target.update")).all()[-1]
    assert update.before["mismatch_reason"] == "PK perubahan belum ditetapkan" and update.after["mismatch_reason"] is None
    with pytest.raises(Conflict, match="sudah diubah .* tidak ada yang tertimpa"):
        md.save_target(session, admin, ind.id, 2027, q4="251", expected_version=1)
    actions = session.scalars(select(AuditLog.action).where(AuditLog.entity == "target")).all()
    assert actions == ["target.create", "target.update"]


def test_target_values_accept_indonesian_text_and_refuse_words(session, actors):
    admin = actors["admin"]
    ind = indicator(session, "IK-05")  # %, last
    res = md.save_target(session, admin, ind.id, 2027, annual="82,5", q4="82,5")
    assert res.saved and session.get(Target, res.target_id).annual == Decimal("82.5")
    with pytest.raises(InvalidInput):
        md.save_target(session, admin, ind.id, 2027, annual="delapan puluh")
    with pytest.raises(InvalidInput, match="0 atau lebih"):
        md.save_target(session, admin, ind.id, 2027, annual="-1")


# --- budget ----------------------------------------------------------------------------------------------------


def test_dppa_revision_keeps_the_earlier_pagu(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    line = session.scalar(select(BudgetLine).where(BudgetLine.year == 2026, BudgetLine.code == "2.07.03.2.01.0001"))
    md.update_budget_line(session, admin, line.id, pagu="1.100.000.000", document="DPPA", expected_version=1)
    assert line.pagu == Decimal("1100000000") and line.document == "DPPA" and line.version == 2
    hist = session.scalars(select(PaguHistory).where(PaguHistory.budget_line_id == line.id)).all()
    assert [(h.pagu, h.document) for h in hist] == [(Decimal("1250000000"), "DPA")]
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "budget.update"))
    assert entry.before["pagu"] == "1250000000.00" and entry.after["document"] == "DPPA"
    with pytest.raises(Conflict):
        md.update_budget_line(session, admin, line.id, pagu="1", expected_version=1)
    with pytest.raises(InvalidInput, match="negatif"):
        md.create_budget_line(session, admin, office, 2026, code="9.99", program="P", kegiatan="K",
                              sub_kegiatan="S", pagu="-5", owner_unit_id=unit_id(session, "BID-IND"))
    with pytest.raises(InvalidInput, match="sudah ada"):
        md.create_budget_line(session, admin, office, 2026, code="2.07.03.2.01.0001", program="P", kegiatan="K",
                              sub_kegiatan="S", pagu="5", owner_unit_id=unit_id(session, "BID-IND"))
    new = md.create_budget_line(session, admin, office, 2026, code="9.99", program="P", kegiatan="K",
                                sub_kegiatan="S", pagu="0", owner_unit_id=unit_id(session, "BID-IND"))
    assert session.get(BudgetLine, new).pagu == 0


# --- SOP steps -------------------------------------------------------------------------------------------------


def test_admin_edits_sop_step_executors_and_standard_time_but_not_number_or_code(session, actors):
    admin = actors["admin"]
    step = session.scalar(select(SopStep).where(SopStep.code == "distribusi"))
    md.update_sop_step(session, admin, step.id, executor_roles=["sekretaris", "kepala_dinas"], standard_minutes=15,
                       standard_label="15 menit", inputs=step.inputs, output=step.output)
    assert step.executor_roles == ["sekretaris", "kepala_dinas"] and step.number == 2 and step.code == "distribusi"
    with pytest.raises(InvalidInput, match="paling sedikit satu"):
        md.update_sop_step(session, admin, step.id, executor_roles=[], standard_minutes=15, standard_label="x",
                           inputs="", output="")
    with pytest.raises(InvalidInput, match="tidak dikenal"):
        md.update_sop_step(session, admin, step.id, executor_roles=["bupati"], standard_minutes=15,
                           standard_label="x", inputs="", output="")
    with pytest.raises(TypeError):
        md.update_sop_step(session, admin, step.id, number=5, executor_roles=["sekretaris"],  # type: ignore[call-arg]
                           standard_minutes=15, standard_label="x", inputs="", output="")
    assert audit_count(session, "sop.update") == 1
    assert list(md.list_sop_steps(session)["kode"])[:2] == ["disposisi", "distribusi"]


# --- a new year ------------------------------------------------------------------------------------------------


def test_copy_year_prepares_empty_targets_and_zero_pagu_and_never_overwrites(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    res = md.copy_year(session, admin, office, 2026, 2027)
    assert res.targets == 15 and res.budget_lines == 10
    targets = session.scalars(select(Target).where(Target.year == 2027)).all()
    assert len(targets) == 15 and all(t.annual is None and t.q1 is None and t.q4 is None for t in targets)
    lines = session.scalars(select(BudgetLine).where(BudgetLine.year == 2027)).all()
    assert len(lines) == 10 and all(b.pagu == 0 for b in lines)
    assert audit_count(session, "target.copy_year") == 15 and audit_count(session, "budget.copy_year") == 10
    with pytest.raises(Conflict, match="tidak menimpa"):
        md.copy_year(session, admin, office, 2026, 2027)
    assert session.scalar(select(func.count()).select_from(Target).where(Target.year == 2027)) == 15


def test_one_save_of_the_target_grid_is_all_or_nothing_until_the_mismatch_has_a_reason(session, actors):
    admin = actors["admin"]
    ik03, ik04 = indicator(session, "IK-03"), indicator(session, "IK-04")  # 2026: 680 and 256, both sum
    t04 = session.scalar(select(Target).where(Target.indicator_id == ik04.id, Target.year == 2026))
    changes = {ik04.id: {"sumber_ra": "RA perubahan"}, ik03.id: {"tw4": 100.0}}
    versions = {ik03.id: 1, ik04.id: 1}
    res = md.save_targets(session, admin, 2026, changes, versions)
    assert not res.saved and "IK-03" in res.warnings[0]
    assert t04.source_ra == "Rencana Aksi Tahun 2026" and audit_count(session, "target.update") == 0
    assert "Isi alasan selisih" in res.warnings[0]
    changes[ik03.id]["alasan_selisih"] = "Penempatan TW IV dialihkan ke tahun berikutnya"
    res = md.save_targets(session, admin, 2026, changes, versions)
    assert res.saved and t04.source_ra == "RA perubahan"
    assert "Alasan: Penempatan TW IV dialihkan" in res.warnings[0]
    assert audit_count(session, "target.update") == 2
    frame = md.list_targets(session, actors["admin"].office_id, 2026).set_index("kode")
    assert frame.loc["IK-03", "selisih_diterima"] and frame.loc["IK-03", "peringatan"]
    assert frame.loc["IK-03", "alasan_selisih"] == "Penempatan TW IV dialihkan ke tahun berikutnya"
    # a later save of the row that leaves the reason alone keeps it (it is shown beside the figures)
    res = md.save_targets(session, admin, 2026, {ik03.id: {"tw3": 170.0}}, {ik03.id: 2})
    assert res.saved and "Penempatan TW IV" in session.scalar(
        select(Target.mismatch_reason).where(Target.indicator_id == ik03.id, Target.year == 2026))


def test_one_save_of_the_dpa_grid_updates_each_changed_line(session, actors):
    admin = actors["admin"]
    lines = md.list_budget_lines(session, admin.office_id, 2026).set_index("kode")
    a, b = int(lines.loc["2.07.03.2.01.0001", "id"]), int(lines.loc["2.07.04.2.01.0002", "id"])
    n = md.save_budget_lines(session, admin, {a: {"pagu": 1300000000.0, "dokumen": "DPPA"},
                                              b: {"sub_kegiatan": "Job Fair Kabupaten"}}, {a: 1, b: 1})
    assert n == 2 and audit_count(session, "budget.update") == 2
    with pytest.raises(InvalidInput, match="tidak dapat diubah"):
        md.save_budget_lines(session, admin, {a: {"tahun": 2030}})


# --- edit forms drawn before another administrator's save ------------------------------------------------------


def _kabid(session):
    return session.scalar(select(User).where(User.username == "kabid_lattas"))


def _second_admin(session, admin):
    """Another administrator of the office, with an account of its own."""
    from core.auth import actor_for

    md.create_user(session, admin, username="operator", full_name="Yohana Operator, S.Kom.", password="sandi2026x",
                   role="admin", unit_id=admin.unit_id)
    session.flush()
    return actor_for(session, "operator")


FORMS = {
    # name: (read the record as the form shows it, save(values, shown), the field changed by both, another field)
    "unit": (lambda s, a: {"name": s.get(OrgUnit, unit_id(s, "BID-LATTAS")).name,
                           "short_name": s.get(OrgUnit, unit_id(s, "BID-LATTAS")).short_name,
                           "reports_data": True},
             lambda s, a, v, shown: md.rename_unit(s, a, unit_id(s, "BID-LATTAS"), v["name"], v["short_name"],
                                                   v["reports_data"], shown=shown),
             ("name", "Bidang Pelatihan Kerja", "Bidang Penempatan"), ("short_name", "Lattas", None)),
    "pengguna": (lambda s, a: {"full_name": _kabid(s).full_name, "jabatan": _kabid(s).jabatan,
                               "phone": "0812-3456-7890"},
                 lambda s, a, v, shown: md.update_user(s, a, _kabid(s).id, full_name=v["full_name"],
                                                       jabatan=v["jabatan"], phone=v["phone"], shown=shown),
                 ("jabatan", "Kepala Bidang Lattas", "Kabid Pelatihan"), ("full_name", "Agustinus L., S.Sos.", None)),
    "indikator": (lambda s, a: {"name": indicator(s, "IK-03").name, "satuan": indicator(s, "IK-03").satuan},
                  lambda s, a, v, shown: md.update_indicator(s, a, indicator(s, "IK-03").id, shown=shown,
                                                             name=v["name"], satuan=v["satuan"]),
                  ("satuan", "jiwa", "tenaga kerja"), ("name", "Jumlah tenaga kerja yang ditempatkan kerja", None)),
    "sop": (lambda s, a: {"executor_roles": list(s.get(SopStep, 1).executor_roles),
                          "standard_minutes": s.get(SopStep, 1).standard_minutes,
                          "standard_label": s.get(SopStep, 1).standard_label, "inputs": s.get(SopStep, 1).inputs,
                          "output": s.get(SopStep, 1).output},
            lambda s, a, v, shown: md.update_sop_step(s, a, 1, executor_roles=v["executor_roles"],
                                                      standard_minutes=v["standard_minutes"],
                                                      standard_label=v["standard_label"], inputs=v["inputs"],
                                                      output=v["output"], shown=shown),
            ("standard_minutes", 45, 90), ("output", "Disposisi Kepala Dinas", None)),
    "rumus": (lambda s, a: md.formula_settings(s, a.office_id),
              lambda s, a, v, shown: md.update_formula_settings(
                  s, a, a.office_id, negative_formula=v["negative_formula"], predicate_labels=v["predicate_labels"],
                  capaian_rounding=v["capaian_rounding"], shown=shown),
              ("capaian_rounding", "truncate", "half_up"), ("predicate_labels", "baik", None)),
    "penilai": (lambda s, a: md.evaluator_settings(s, a.office_id),
                lambda s, a, v, shown: md.update_evaluator(s, a, a.office_id, title=v["title"], name=v["name"],
                                                           nip=v["nip"], shown=shown),
                ("name", "Dr. Maria Ulfa, M.Si.", "Ir. Markus, M.T."), ("nip", "197503122000032001", None)),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_an_edit_form_drawn_before_another_save_keeps_it_and_refuses_the_same_field(session, actors, form):
    """Two administrators open the same form. The first saves a field. The second's form, drawn before, saves
    another field: the first's value is kept. The second then changes the first's field over it: refused,
    naming who, and nothing changes."""
    read, save, (both, first_value, second_value), (other, other_value, _none) = FORMS[form]
    admin = actors["admin"]
    operator = _second_admin(session, admin)
    drawn = read(session, admin)  # both forms are drawn now
    save(session, operator, {**drawn, both: first_value}, dict(drawn))
    session.flush()
    after_first = read(session, admin)
    assert str(after_first[both]) == str(first_value) or after_first[both] == first_value
    save(session, admin, {**drawn, other: other_value}, dict(drawn))  # the second form: another field
    session.flush()
    now = read(session, admin)
    assert now[both] == after_first[both], f"{form}: the first's {both} was overwritten by a stale form"
    assert str(now[other]) == str(other_value) or now[other] == other_value
    before = audit_count(session)
    if second_value == drawn[both]:  # a choice of two put back as drawn: left alone, nothing to refuse
        save(session, admin, {**drawn, both: second_value}, dict(drawn))
    else:
        with pytest.raises(Conflict, match=r"sudah diubah oleh Yohana Operator, S\.Kom\. pada .* setelah Anda membuka"):
            save(session, admin, {**drawn, both: second_value}, dict(drawn))
    assert audit_count(session) == before and read(session, admin) == now
    save(session, admin, {**drawn, both: first_value}, dict(drawn))  # the same change as the first's: no refusal
    assert audit_count(session) == before
    # without what was drawn (a caller that does not know it), the save is as before: every value given
    save(session, admin, {**now, both: second_value}, None)
    assert read(session, admin)[both] == second_value


def test_a_stale_form_of_the_same_account_is_refused_without_naming_the_person_as_somebody_else(session, actors):
    """One account in two tabs (or shared on two computers): the refusal says the newer save came through this
    account elsewhere, instead of naming the person as if it was someone else."""
    read, save, (both, first_value, second_value), _other = FORMS["penilai"]
    admin = actors["admin"]
    drawn = read(session, admin)
    save(session, admin, {**drawn, both: first_value}, dict(drawn))
    session.flush()
    with pytest.raises(Conflict, match=r"^Data penandatangan 'Dievaluasi' sudah diubah melalui akun Anda "
                                       r"\(Administrator Sistem\) di jendela atau komputer lain pada .* WIB"):
        save(session, admin, {**drawn, both: second_value}, dict(drawn))


def test_a_new_standard_time_with_its_label_left_as_it_was_gets_the_label_of_the_new_time(session, actors):
    admin = actors["admin"]
    step = session.get(SopStep, 3)
    drawn = {"executor_roles": list(step.executor_roles), "standard_minutes": step.standard_minutes,
             "standard_label": step.standard_label, "inputs": step.inputs, "output": step.output}
    md.update_sop_step(session, admin, 3, **{**drawn, "standard_minutes": "1500"}, shown=dict(drawn))
    assert (step.standard_minutes, step.standard_label) == (1500, "1 hari 1 jam")
    md.update_sop_step(session, admin, 3, **{**drawn, "standard_minutes": 2880, "standard_label": "2 hari kerja"})
    assert (step.standard_minutes, step.standard_label) == (2880, "2 hari kerja")  # a label typed is kept
    md.update_sop_step(session, admin, 3, **{**drawn, "standard_minutes": 45, "standard_label": "  "})
    assert step.standard_label == "45 menit"  # emptied: from the time


@given(st.integers(min_value=1, max_value=60 * 24 * 60))
def test_a_duration_label_reads_back_as_its_minutes(minutes):
    from core.sop import duration_label

    words = duration_label(minutes).split()
    per = {"hari": 24 * 60, "jam": 60, "menit": 1}
    assert sum(int(n) * per[unit] for n, unit in zip(words[::2], words[1::2])) == minutes
    assert all(int(n) > 0 for n in words[::2])
