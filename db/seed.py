"""Demo data: a realistic Disnakerperintrans Kapuas Hulu with users, Renstra, targets, DPA and history.

`python -m db.seed --demo` migrates the database and loads the demo office when it is empty.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, clock, renja
from core.actor import SYSTEM
from core.auth import DEMO_PASSWORD, hash_password
from core.sop import DEFAULT_STEPS, load_default_steps
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Evidence,
    Indicator,
    OrgUnit,
    PriorRealisation,
    Realization,
    RenstraBudget,
    RenstraPeriod,
    Review,
    Sasaran,
    StepRecord,
    Submission,
    Target,
    User,
)

OFFICE_NAME = "Dinas Tenaga Kerja, Perindustrian dan Transmigrasi"

# code, name, short, kind, parent code, reports data
UNITS = [
    ("PEMKAB-KH", "Pemerintah Kabupaten Kapuas Hulu", "Pemkab Kapuas Hulu", "pemkab", None, False),
    ("DISNAKERPERINTRANS", OFFICE_NAME + " Kabupaten Kapuas Hulu", "Disnakerperintrans", "dinas", "PEMKAB-KH", False),
    ("SEKRETARIAT", "Sekretariat", "Sekretariat", "sekretariat", "DISNAKERPERINTRANS", True),
    ("SUBAG-UMUM", "Sub Bagian Umum dan Kepegawaian", "Subbag Umum", "subbagian", "SEKRETARIAT", False),
    ("SUBAG-KEUREN", "Sub Bagian Keuangan dan Perencanaan", "Subbag Keuangan", "subbagian", "SEKRETARIAT", False),
    ("BID-LATTAS", "Bidang Pelatihan dan Penempatan Tenaga Kerja", "Bidang Pelatihan", "bidang", "DISNAKERPERINTRANS", True),
    ("BID-HIJS", "Bidang Hubungan Industrial dan Jaminan Sosial", "Bidang HI dan Jamsos", "bidang", "DISNAKERPERINTRANS", True),
    ("BID-IND", "Bidang Perindustrian", "Bidang Perindustrian", "bidang", "DISNAKERPERINTRANS", True),
    ("BID-TRANS", "Bidang Transmigrasi", "Bidang Transmigrasi", "bidang", "DISNAKERPERINTRANS", True),
    ("JFT", "Kelompok Jabatan Fungsional Tertentu", "Kelompok JFT", "jft", "DISNAKERPERINTRANS", True),
]

# username, full name, NIP, jabatan, pangkat, role, unit code
USERS = [
    ("kadis", "Drs. Yohanes Sudarsono, M.Si.", "197204151998031007", "Kepala Dinas Tenaga Kerja, Perindustrian dan Transmigrasi",
     "Pembina Utama Muda (IV/c)", "kepala_dinas", "DISNAKERPERINTRANS"),
    ("sekdis", "Hj. Rahmawati, S.E., M.M.", "197508222000122003", "Sekretaris Dinas", "Pembina (IV/a)", "sekretaris", "SEKRETARIAT"),
    ("kabid_lattas", "Agustinus Lawing, S.Sos.", "197811102005011004", "Kepala Bidang Pelatihan dan Penempatan Tenaga Kerja",
     "Penata Tingkat I (III/d)", "kepala_bidang", "BID-LATTAS"),
    ("kabid_hijs", "Syarif Hamdani, S.H.", "198003052006041012", "Kepala Bidang Hubungan Industrial dan Jaminan Sosial",
     "Penata Tingkat I (III/d)", "kepala_bidang", "BID-HIJS"),
    ("kabid_ind", "Maria Goreti Ensiwi, S.T.", "198207192008012015", "Kepala Bidang Perindustrian",
     "Penata Tingkat I (III/d)", "kepala_bidang", "BID-IND"),
    ("kabid_trans", "Benediktus Jelahu, S.P.", "197912012005021006", "Kepala Bidang Transmigrasi",
     "Penata Tingkat I (III/d)", "kepala_bidang", "BID-TRANS"),
    ("kasubag_keuren", "Nurul Hidayah, S.E.", "198505172010012021", "Kepala Sub Bagian Keuangan dan Perencanaan",
     "Penata (III/c)", "kepala_bidang", "SUBAG-KEUREN"),
    ("jft_mediator", "Hendrikus Ngadi, S.H.", "198609232011011007", "Mediator Hubungan Industrial Ahli Muda",
     "Penata (III/c)", "jft", "JFT"),
    ("perencana", "Dewi Kartika Sari, S.E., M.Ec.Dev.", "198712042012012008", "Perencana Ahli Muda",
     "Penata (III/c)", "perencana", "JFT"),
    ("penyusun", "Rizky Ramadhan, S.Kom.", "199301152019031005", "Staf Penyusun Evaluasi Kinerja",
     "Penata Muda (III/a)", "penyusun", "SUBAG-KEUREN"),
    ("admin", "Administrator Sistem", None, "Pengelola Aplikasi Kinerja", "", "admin", "SUBAG-UMUM"),
    ("pemantau", "Inspektorat Kabupaten Kapuas Hulu", None, "Pemantau (baca saja)", "", "pemantau", "PEMKAB-KH"),
]

SASARAN = [
    ("S1", "Meningkatnya penyerapan tenaga kerja lokal"),
    ("S2", "Meningkatnya kondusivitas hubungan industrial"),
    ("S3", "Meningkatnya pertumbuhan industri kecil dan menengah"),
    ("S4", "Meningkatnya kesejahteraan masyarakat di kawasan transmigrasi"),
    ("S5", "Meningkatnya akuntabilitas kinerja perangkat daerah"),
]

# code, sasaran, name, satuan, polarity, combine, iku, owner, annual targets {year: value}, evidence
INDICATORS = [
    ("IKU-01", "S1", "Tingkat Pengangguran Terbuka", "%", "negatif", "last", True, "BID-LATTAS", {2025: "4.20", 2026: "4.00"}, True),
    ("IK-02", "S1", "Persentase pencari kerja yang ditempatkan", "%", "positif", "last", False, "BID-LATTAS", {2025: "40", 2026: "45"}, True),
    ("IK-03", "S1", "Jumlah tenaga kerja yang ditempatkan", "orang", "positif", "sum", False, "BID-LATTAS", {2025: "600", 2026: "680"}, True),
    ("IK-04", "S1", "Jumlah peserta pelatihan berbasis kompetensi", "orang", "positif", "sum", False, "BID-LATTAS", {2025: "240", 2026: "256"}, True),
    ("IK-05", "S1", "Persentase lulusan pelatihan yang bersertifikat", "%", "positif", "last", False, "BID-LATTAS", {2025: "75", 2026: "80"}, False),
    ("IKU-02", "S2", "Persentase perselisihan hubungan industrial yang diselesaikan", "%", "positif", "last", True, "JFT", {2025: "85", 2026: "90"}, True),
    ("IK-07", "S2", "Jumlah kasus perselisihan hubungan industrial", "kasus", "negatif", "sum", False, "BID-HIJS", {2025: "24", 2026: "20"}, False),
    ("IK-08", "S2", "Jumlah perusahaan yang wajib lapor ketenagakerjaan", "perusahaan", "positif", "sum", False, "BID-HIJS", {2025: "120", 2026: "140"}, True),
    ("IKU-03", "S3", "Pertumbuhan jumlah IKM", "%", "positif", "last", True, "BID-IND", {2025: "3.5", 2026: "4"}, True),
    ("IK-10", "S3", "Jumlah IKM yang dibina", "unit usaha", "positif", "sum", False, "BID-IND", {2025: "80", 2026: "100"}, True),
    ("IKU-04", "S4", "Jumlah kawasan transmigrasi yang dikembangkan", "kawasan", "positif", "last", True, "BID-TRANS", {2025: "2", 2026: "3"}, True),
    ("IK-12", "S4", "Persentase transmigran yang mendapat sertifikat hak milik", "%", "positif", "last", False, "BID-TRANS", {2025: "60", 2026: "70"}, True),
    ("IKU-05", "S5", "Nilai SAKIP perangkat daerah", "nilai", "positif", "last", True, "SEKRETARIAT", {2025: "62", 2026: "65"}, True),
    ("IK-14", "S5", "Persentase serapan anggaran", "%", "positif", "last", False, "SEKRETARIAT", {2025: "95", 2026: "95"}, False),
    ("IK-15", "S5", "Waktu penyelesaian laporan kinerja triwulan", "hari", "negatif", "avg", False, "SEKRETARIAT", {2025: "10", 2026: "8"}, False),
]

# code, program, kegiatan, sub kegiatan, pagu (2026), owner
BUDGET = [
    ("2.07.01.2.02.0001", "Program Penunjang Urusan Pemerintahan Daerah Kabupaten/Kota",
     "Administrasi Keuangan Perangkat Daerah", "Penyediaan Gaji dan Tunjangan ASN", "2850000000", "SEKRETARIAT"),
    ("2.07.01.2.01.0006", "Program Penunjang Urusan Pemerintahan Daerah Kabupaten/Kota",
     "Perencanaan, Penganggaran, dan Evaluasi Kinerja Perangkat Daerah", "Koordinasi dan Penyusunan Laporan Capaian Kinerja dan Ikhtisar Realisasi Kinerja SKPD",
     "85000000", "SEKRETARIAT"),
    ("2.07.01.2.06.0001", "Program Penunjang Urusan Pemerintahan Daerah Kabupaten/Kota",
     "Administrasi Umum Perangkat Daerah", "Penyediaan Komponen Instalasi Listrik/Penerangan Bangunan Kantor", "120000000", "SEKRETARIAT"),
    ("2.07.03.2.01.0001", "Program Pelatihan Kerja dan Produktivitas Tenaga Kerja",
     "Pelaksanaan Pelatihan berdasarkan Unit Kompetensi", "Proses Pelaksanaan Pendidikan dan Pelatihan Keterampilan bagi Pencari Kerja berdasarkan Klaster Kompetensi",
     "1250000000", "BID-LATTAS"),
    ("2.07.04.2.01.0002", "Program Penempatan Tenaga Kerja",
     "Pelayanan Antarkerja di Daerah Kabupaten/Kota", "Penyelenggaraan Pameran Kesempatan Kerja/Job Fair", "175000000", "BID-LATTAS"),
    ("2.07.05.2.01.0001", "Program Hubungan Industrial",
     "Pengesahan Peraturan Perusahaan dan Pendaftaran Perjanjian Kerja Bersama", "Pengesahan Peraturan Perusahaan untuk Perusahaan yang hanya Beroperasi dalam 1 Daerah Kabupaten/Kota",
     "95000000", "BID-HIJS"),
    ("2.07.05.2.02.0001", "Program Hubungan Industrial",
     "Pencegahan dan Penyelesaian Perselisihan Hubungan Industrial", "Fasilitasi Penyelesaian Perselisihan Hubungan Industrial melalui Mediasi", "110000000", "BID-HIJS"),
    ("3.31.02.2.01.0003", "Program Pengembangan Industri",
     "Penyusunan, Penerapan, dan Evaluasi Rencana Pembangunan Industri Kabupaten/Kota", "Pembinaan dan Pendampingan Industri Kecil dan Menengah",
     "340000000", "BID-IND"),
    ("2.20.03.2.01.0001", "Program Pembangunan Kawasan Transmigrasi",
     "Pembangunan Kawasan Transmigrasi", "Penataan Persebaran Penduduk dan Fasilitasi Sertifikasi Lahan Transmigran",
     "620000000", "BID-TRANS"),
    ("2.20.04.2.01.0002", "Program Pengembangan Kawasan Transmigrasi",
     "Pengembangan Satuan Permukiman pada Tahap Kemandirian", "Pembinaan Ekonomi dan Sosial Budaya Masyarakat Transmigrasi",
     "285000000", "BID-TRANS"),
]

TWO = Decimal("0.01")


def _q(value: Decimal | float | str, places: str = "0.01") -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def quarterly_targets(annual: Decimal, combine: str, polarity: str, integer: bool) -> list[Decimal]:
    """Rencana Aksi targets that combine to the annual target by the indicator's rule."""
    if combine == "sum":
        shares = [Decimal("0.20"), Decimal("0.25"), Decimal("0.30")]
        qs = [(annual * s) for s in shares]
        qs = [q.to_integral_value(rounding=ROUND_HALF_UP) if integer else _q(q) for q in qs]
        qs.append(annual - sum(qs))
        return qs
    if combine == "avg":
        return [annual] * 4
    # last value: a state that moves towards the annual target by TW IV
    if polarity == "negatif":
        steps = [Decimal("1.12"), Decimal("1.08"), Decimal("1.04"), Decimal("1")]
    else:
        steps = [Decimal("0.70"), Decimal("0.80"), Decimal("0.90"), Decimal("1")]
    out = []
    for s in steps:
        v = annual * s
        out.append(v.to_integral_value(rounding=ROUND_HALF_UP) if integer else _q(v))
    out[-1] = annual
    return out


def _realised(rng: random.Random, target: Decimal, polarity: str, integer: bool, lag: bool) -> Decimal:
    """A plausible realisation: mostly near target, some indicators lagging."""
    factor = rng.uniform(0.55, 0.8) if lag else rng.uniform(0.9, 1.12)
    if polarity == "negatif":
        factor = 2 - factor  # lagging means above target
    value = target * Decimal(str(round(factor, 3)))
    return value.to_integral_value(rounding=ROUND_HALF_UP) if integer else _q(value)


def is_empty(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(OrgUnit)) or 0) == 0


def seed_demo(session: Session, today: Optional[dt.date] = None, history: bool = True) -> dict[str, int]:
    """Load the demo office into an empty, migrated database. Returns counts of what was made."""
    today = today or clock.today()
    year = today.year
    rng = random.Random(2026)
    load_default_steps(session)

    units: dict[str, OrgUnit] = {}
    for order, (code, name, short, kind, parent, reports) in enumerate(UNITS):
        u = OrgUnit(code=code, name=name, short_name=short, kind=kind, reports_data=reports, sort_order=order,
                    parent_id=units[parent].id if parent else None)
        session.add(u)
        session.flush()
        units[code] = u
    office = units["DISNAKERPERINTRANS"]
    for u in units.values():
        u.office_id = office.id if u.kind != "pemkab" else None
    session.flush()

    pw = hash_password(DEMO_PASSWORD)  # one hash for all demo users: bcrypt is slow on purpose
    users: dict[str, User] = {}
    for username, name, nip, jabatan, pangkat, role, unit in USERS:
        user = User(username=username, full_name=name, nip=nip, jabatan=jabatan, pangkat=pangkat, role=role,
                    unit_id=units[unit].id, password_hash=pw, email=f"{username}@disnakerperintrans.kapuashulukab.go.id")
        session.add(user)
        users[username] = user
    session.flush()

    period = RenstraPeriod(office_id=office.id, name="Renstra 2021–2026", start_year=2021, end_year=2026)
    session.add(period)
    session.flush()
    sasaran: dict[str, Sasaran] = {}
    for order, (code, name) in enumerate(SASARAN):
        s = Sasaran(period_id=period.id, code=code, name=name, sort_order=order)
        session.add(s)
        sasaran[code] = s
    session.flush()

    years = [year - 1, year]
    indicators: list[Indicator] = []
    for order, (code, s, name, satuan, pol, comb, iku, owner, _annuals, evidence) in enumerate(INDICATORS):
        ind = Indicator(office_id=office.id, sasaran_id=sasaran[s].id, code=code, name=name, satuan=satuan,
                        polarity=pol, combine=comb, is_iku=iku, owner_unit_id=units[owner].id,
                        definition=f"{name} pada akhir periode pelaporan.", data_source=units[owner].name,
                        needs_evidence=evidence, sort_order=order)
        session.add(ind)
        indicators.append(ind)
    session.flush()

    targets: dict[tuple[int, int], Target] = {}
    for ind, row in zip(indicators, INDICATORS):
        annuals = row[8]
        integer = ind.satuan not in ("%", "nilai")
        for y in years:
            base = Decimal(annuals.get(y, annuals[max(annuals)]))
            qs = quarterly_targets(base, ind.combine, ind.polarity, integer)
            t = Target(indicator_id=ind.id, year=y, annual=base, q1=qs[0], q2=qs[1], q3=qs[2], q4=qs[3],
                       source_pk=f"Perjanjian Kinerja Tahun {y}", source_ra=f"Rencana Aksi Tahun {y}")
            session.add(t)
            targets[(ind.id, y)] = t
    session.flush()

    lines: list[BudgetLine] = []
    for y in years:
        for code, program, kegiatan, sub, pagu, owner in BUDGET:
            p = Decimal(pagu) if y == year else (Decimal(pagu) * Decimal("0.93")).quantize(Decimal("1000"))
            bl = BudgetLine(office_id=office.id, year=y, code=code, program=program, kegiatan=kegiatan,
                            sub_kegiatan=sub, pagu=p, document="DPA", owner_unit_id=units[owner].id)
            session.add(bl)
            lines.append(bl)
    session.flush()

    _renstra(session, office, units, period, indicators, lines, year)
    counts = {"units": len(units), "users": len(users), "indicators": len(indicators), "budget_lines": len(lines),
              "rounds": 0}
    if history:
        current_q = (today.month - 1) // 3 + 1  # the quarter we are in; its data is collected after it ends
        done = [(year - 1, q) for q in range(1, 5)] + [(year, q) for q in range(1, current_q - 1)]
        lagging = {ind.id for ind in indicators if rng.random() < 0.25}
        for y, q in done:
            _history_round(session, rng, office, units, users, indicators, targets, lines, y, q, lagging)
            counts["rounds"] += 1
    audit.record(session, SYSTEM, "seed.demo", "database", None, after=counts, office_id=office.id)
    return counts


# indicator code -> (DPA line codes it measures, renja level or None to derive)
LINKS = {
    "IK-02": (["2.07.04.2.01.0002"], None), "IK-03": (["2.07.04.2.01.0002"], None),
    "IK-04": (["2.07.03.2.01.0001"], None), "IK-05": (["2.07.03.2.01.0001"], None),
    "IKU-02": (["2.07.05.2.02.0001", "2.07.05.2.01.0001"], "program"), "IK-07": (["2.07.05.2.02.0001"], None),
    "IK-08": (["2.07.05.2.01.0001"], None),
    "IKU-03": (["3.31.02.2.01.0003"], "program"), "IK-10": (["3.31.02.2.01.0003"], None),
    "IKU-04": (["2.20.03.2.01.0001", "2.20.04.2.01.0002"], None), "IK-12": (["2.20.03.2.01.0001"], None),
    "IKU-05": (["2.07.01.2.01.0006"], "program"), "IK-14": (["2.07.01.2.02.0001", "2.07.01.2.01.0006",
                                                              "2.07.01.2.06.0001"], "program"),
    "IK-15": (["2.07.01.2.01.0006"], None),
}


def _renstra(session: Session, office: OrgUnit, units: dict[str, OrgUnit], period: RenstraPeriod,
             indicators: list[Indicator], lines: list[BudgetLine], year: int) -> None:
    """The Renstra figures the Renja evaluation and the LKjIP read: end targets (K and Rp), the DPA lines
    each indicator measures, the PK targets and realisations of the years before the app (2021 up to the year before the
    first year with rounds), and who signs "Dievaluasi" for the regency. Its own random stream, so the
    rest of the demo stays as it was."""
    rng = random.Random(2021)
    regency = units["PEMKAB-KH"]
    regency.evaluator_title = "Kepala Badan Perencanaan Pembangunan Daerah Kabupaten Kapuas Hulu"
    regency.evaluator_name = "Ir. Yohanes Sanding, M.T."
    regency.evaluator_nip = "197205141998031007"
    current = {bl.code: bl for bl in lines if bl.year == year}
    for ind in indicators:
        codes, level = LINKS.get(ind.code, ([], None))
        for code in codes:
            for bl in lines:
                if bl.code == code:
                    bl.indicators.append(ind)
        ind.renja_level = level
    first = year - 1  # the first year the demo has rounds for
    annuals = {row[0]: row[8] for row in INDICATORS}
    for ind in indicators:
        a = annuals[ind.code]
        end = Decimal(a.get(period.end_year, a[max(a)]))
        integer = ind.satuan not in ("%", "nilai")
        years = range(period.start_year, period.end_year + 1)
        if ind.combine == "sum":
            ind.renstra_target = end * len(years) - end * Decimal("0.05") * sum(range(len(years)))
            ind.renstra_target = ind.renstra_target.to_integral_value(rounding=ROUND_HALF_UP)
        else:
            ind.renstra_target = end
        base = Decimal(a[min(a)])
        for y in range(period.start_year, first):
            back = first - y  # a little further from the target each year back
            t_scale = Decimal("1") - Decimal("0.03") * back if ind.polarity == "positif" else Decimal("1") + Decimal("0.04") * back
            annual = base * t_scale
            annual = annual.to_integral_value(rounding=ROUND_HALF_UP) if integer else _q(annual)
            qs = quarterly_targets(annual, ind.combine, ind.polarity, integer)
            session.add(Target(indicator_id=ind.id, year=y, annual=annual, q1=qs[0], q2=qs[1], q3=qs[2], q4=qs[3],
                               source_pk=f"Perjanjian Kinerja Tahun {y}", source_ra=f"Rencana Aksi Tahun {y}"))
            scale = Decimal("1") - Decimal("0.04") * back if ind.polarity == "positif" else Decimal("1") + Decimal("0.05") * back
            value = base * scale * Decimal(str(round(rng.uniform(0.94, 1.04), 3)))
            value = value.to_integral_value(rounding=ROUND_HALF_UP) if integer else _q(value)
            session.add(PriorRealisation(office_id=office.id, year=y, indicator_id=ind.id, value=value,
                                         source=f"LKjIP Tahun {y}"))
    # Funding and earlier spending per sub kegiatan (the DPA line); kegiatan and program hold their sums.
    n = period.end_year - period.start_year + 1
    plan: dict[str, tuple[str, Decimal]] = {}
    for code, bl in sorted(current.items()):
        end_pagu = (bl.pagu * n * Decimal("0.96")).quantize(Decimal("1000000"))
        for key, name in ((code, bl.sub_kegiatan), (renja.kegiatan_code(code), bl.kegiatan),
                          (renja.program_code(code), bl.program)):
            plan[key] = (name, plan.get(key, ("", Decimal(0)))[1] + end_pagu)
        for y in range(period.start_year, first):
            spent = bl.pagu * Decimal("0.93") * Decimal(str(round(rng.uniform(0.78, 0.95), 3)))
            session.add(PriorRealisation(office_id=office.id, year=y, code=code, amount=spent.quantize(Decimal("1000")),
                                         source=f"Laporan Realisasi Anggaran Tahun {y}"))
    for code, (name, end_pagu) in sorted(plan.items()):
        session.add(RenstraBudget(office_id=office.id, period_id=period.id, code=code, name=name, end_pagu=end_pagu))
    session.flush()


def _history_round(session, rng, office, units, users, indicators, targets, lines, y, q, lagging) -> None:
    """A finished round of an earlier quarter: accepted submissions with data and a full step history."""
    end_month = q * 3
    start = dt.datetime(y + (1 if q == 4 else 0), 1 if q == 4 else end_month + 1, 3, 8, 0)
    deadline = (start + dt.timedelta(days=10)).date()
    rnd = CollectionRound(office_id=office.id, year=y, quarter=q, current_step=9, status="selesai",
                          instruction=f"Kumpulkan data kinerja {['', 'TW I', 'TW II', 'TW III', 'TW IV'][q]} {y}.",
                          deadline=deadline, opened_by_id=users["kadis"].id, opened_at=start)
    session.add(rnd)
    session.flush()
    owners = sorted({ind.owner_unit_id for ind in indicators})
    heads = {units["BID-LATTAS"].id: "kabid_lattas", units["BID-HIJS"].id: "kabid_hijs",
             units["BID-IND"].id: "kabid_ind", units["BID-TRANS"].id: "kabid_trans",
             units["SEKRETARIAT"].id: "kasubag_keuren", units["JFT"].id: "jft_mediator"}
    late_unit = rng.choice(owners)
    t = start
    durations = {1: 12, 2: 15, 3: 0, 4: 40, 5: 35, 6: 25, 7: 26 * 60, 8: 6, 9: 2 * 24 * 60 + 120}
    for num in (1, 2):
        session.add(StepRecord(round_id=rnd.id, step_number=num, actor_id=users["kadis" if num == 1 else "sekdis"].id,
                               started_at=t, finished_at=t + dt.timedelta(minutes=durations[num]),
                               disposition="Disposisi pengumpulan data kinerja triwulan."))
        t += dt.timedelta(minutes=durations[num] + 5)
    submitted_last = t
    for unit_id in owners:
        head = users[heads[unit_id]]
        days = rng.randint(3, 9) if unit_id != late_unit else rng.randint(11, 14)
        submitted = t + dt.timedelta(days=days, hours=rng.randint(0, 6))
        submitted_last = max(submitted_last, submitted)
        sub = Submission(round_id=rnd.id, unit_id=unit_id, state="diterima", deadline=deadline,
                         disposition="Mohon segera diisi dan diajukan.", distributed_at=t,
                         received_at=t + dt.timedelta(hours=2), received_by_id=head.id,
                         first_submitted_at=submitted, submitted_at=submitted, submitted_by_id=head.id,
                         accepted_at=submitted + dt.timedelta(days=1))
        session.add(sub)
        session.flush()
        for ind in indicators:
            if ind.owner_unit_id != unit_id:
                continue
            target = targets[(ind.id, y)]
            tq = target.quarter(q)
            integer = ind.satuan not in ("%", "nilai")
            value = _realised(rng, tq, ind.polarity, integer, ind.id in lagging and rng.random() < 0.8)
            lag = (value < tq) if ind.polarity == "positif" else (value > tq)
            real = Realization(
                submission_id=sub.id, indicator_id=ind.id, value=value, updated_by_id=head.id, updated_at=submitted,
                note="Sesuai data dukung terlampir.",
                kendala="Keterbatasan anggaran dan jarak tempuh ke kecamatan." if lag else "",
                faktor_pendorong="" if lag else "Dukungan kecamatan dan mitra kerja dalam pelaksanaan kegiatan.",
                tindak_lanjut="Koordinasi dengan kecamatan dan penjadwalan ulang kegiatan." if lag else "")
            session.add(real)
            if ind.needs_evidence:  # an accepted round had its evidence, as Ajukan requires
                session.flush()
                _demo_evidence(session, sub, real, ind, head, submitted)
        for bl in lines:
            if bl.year != y or bl.owner_unit_id != unit_id:
                continue
            share = Decimal(str(rng.uniform(0.17, 0.27)))
            session.add(BudgetRealization(submission_id=sub.id, budget_line_id=bl.id, updated_by_id=head.id,
                                          amount=(bl.pagu * share).quantize(Decimal("1000")), updated_at=submitted))
        session.add(Review(submission_id=sub.id, decision="diterima", reason="Data lengkap dan sesuai.",
                           reviewer_id=users["penyusun"].id, created_at=submitted + dt.timedelta(days=1)))
    session.add(StepRecord(round_id=rnd.id, step_number=3, actor_id=None, started_at=t, finished_at=submitted_last,
                           disposition="Seluruh unit mengajukan data."))
    t = submitted_last + dt.timedelta(days=1)
    for num, who in ((4, "penyusun"), (5, "penyusun"), (6, "sekdis"), (7, "perencana"), (8, "perencana"),
                     (9, "penyusun")):
        minutes = durations[num] * rng.uniform(0.7, 1.6)
        session.add(StepRecord(round_id=rnd.id, step_number=num, actor_id=users[who].id, started_at=t,
                               finished_at=t + dt.timedelta(minutes=minutes),
                               disposition=next(d.output for d in DEFAULT_STEPS if d.number == num)))
        t += dt.timedelta(minutes=minutes + 10)
    rnd.closed_at = t
    session.flush()


def _demo_evidence(session: Session, sub: Submission, real: Realization, ind: Indicator, head: User,
                   at: dt.datetime) -> None:
    """A one-page PDF standing in for the scanned evidence of a past quarter, stored as uploads are."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from core.config import get_settings
    from core.exports import pdf_styles

    buf = io.BytesIO()
    styles = pdf_styles()
    SimpleDocTemplate(buf, pagesize=A4, title="Bukti dukung (data demo)", invariant=1).build([
        Paragraph("Bukti Dukung (contoh data demo)", styles["title"]),
        Paragraph(f"{ind.code} {ind.name}: realisasi {real.value} {ind.satuan}.", styles["body"]),
    ])
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    relative = f"{sub.round_id}/{sub.id}/{digest}.pdf"
    path = get_settings().upload_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    session.add(Evidence(submission_id=sub.id, realization_id=real.id, filename=f"bukti-{ind.code.lower()}.pdf",
                         stored_path=relative, content_type="application/pdf", size=len(data), sha256=digest,
                         uploaded_by_id=head.id, uploaded_at=at))


def ensure_database(url: Optional[str] = None, seed: Optional[bool] = None) -> bool:
    """Migrate to head; load the demo office into an empty database unless switched off. True if seeded."""
    from core.config import get_settings
    from core.uow import unit_of_work
    from db.migrate import upgrade

    upgrade(url)
    settings = get_settings()
    if settings.is_production:
        return False  # demo accounts with a published password never enter a production database
    if seed is None:
        seed = settings.auto_seed
    if not seed:
        return False
    with unit_of_work(url) as session:
        if not is_empty(session):
            return False
        seed_demo(session)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description="Siapkan basis data Kinerja.")
    parser.add_argument("--demo", action="store_true", help="muat data demo bila basis data kosong")
    parser.add_argument("--url", default=None, help="DATABASE_URL (bawaan: dari lingkungan)")
    args = parser.parse_args()
    from core.config import get_settings

    settings = get_settings()
    seeded = ensure_database(args.url, seed=args.demo)
    if settings.is_production:
        print("KINERJA_ENV=production: data demo tidak dimuat.")
    else:
        print("Kinerja berjalan dengan pengaturan pengembangan (KINERJA_ENV=development): data demo, kunci cookie "
              "bawaan, cookie tanpa HTTPS. Untuk pemakaian sungguhan lihat README, bagian Produksi.")
    if seeded:
        print("Data demo dimuat. Akun demo (kata sandi semua akun: %s):" % DEMO_PASSWORD)
        for username, name, _nip, _jab, _pk, role, _unit in USERS:
            print(f"  {username:16} {role:14} {name}")
    else:
        print("Basis data sudah siap (tidak ada data demo baru yang dimuat).")


if __name__ == "__main__":
    main()
