"""A new planning year: the targets and DPA lines of one year prepared from the previous one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import Conflict, InvalidInput
from core.masterdata.common import _office
from core.permissions import require
from db.models import BudgetLine, Indicator, Target


@dataclass(frozen=True)
class CopyResult:
    targets: int
    budget_lines: int


def copy_year(session: Session, actor: Actor, office_id: int, from_year: int, to_year: int) -> CopyResult:
    """Prepare a new year: one empty target row per indicator that had one, and the DPA lines with pagu 0.

    Pagu is set to 0 (not copied) so that last year's ceilings are never mistaken for the new DPA; the
    admin imports the new DPA next. Refuses when the new year already has targets or budget lines.
    """
    require(session, actor, "masterdata.manage", office_id=office_id)
    _office(session, office_id)
    from_year, to_year = int(from_year), int(to_year)
    if to_year == from_year:
        raise InvalidInput("Tahun tujuan harus berbeda dari tahun asal.")
    if not 2000 <= to_year <= 2100:
        raise InvalidInput("Tahun tujuan harus antara 2000 dan 2100.")
    source_targets = list(session.scalars(
        select(Target).join(Indicator, Target.indicator_id == Indicator.id)
        .where(Indicator.office_id == office_id, Indicator.active.is_(True), Target.year == from_year)
        .order_by(Target.indicator_id)))
    source_lines = list(session.scalars(select(BudgetLine).where(
        BudgetLine.office_id == office_id, BudgetLine.year == from_year).order_by(BudgetLine.code)))
    if not source_targets and not source_lines:
        raise InvalidInput(f"Tahun {from_year} belum memiliki target maupun anggaran untuk disalin.")
    existing_t = session.scalar(select(func.count()).select_from(Target).join(
        Indicator, Target.indicator_id == Indicator.id).where(Indicator.office_id == office_id,
                                                              Target.year == to_year)) or 0
    existing_b = session.scalar(select(func.count()).select_from(BudgetLine).where(
        BudgetLine.office_id == office_id, BudgetLine.year == to_year)) or 0
    if existing_t or existing_b:
        raise Conflict(f"Tahun {to_year} sudah memiliki {existing_t} baris target dan {existing_b} baris anggaran. "
                       "Penyalinan tidak menimpa data yang ada; ubah data tahun itu melalui impor atau Data Induk.")
    for src in source_targets:
        t = Target(indicator_id=src.indicator_id, year=to_year, version=1,
                   source_pk=f"Perjanjian Kinerja Tahun {to_year}", source_ra=f"Rencana Aksi Tahun {to_year}")
        session.add(t)
        session.flush()
        audit.record(session, actor, "target.copy_year", "target", t.id,
                     before={"from_target_id": src.id, "year": from_year}, after=audit.snapshot(t),
                     office_id=office_id)
    for src_line in source_lines:
        b = BudgetLine(office_id=office_id, year=to_year, code=src_line.code, program=src_line.program,
                       kegiatan=src_line.kegiatan, sub_kegiatan=src_line.sub_kegiatan, pagu=Decimal(0),
                       document="DPA", owner_unit_id=src_line.owner_unit_id, version=1,
                       indicators=list(src_line.indicators))
        session.add(b)
        session.flush()
        audit.record(session, actor, "budget.copy_year", "budget_line", b.id,
                     before={"from_budget_line_id": src_line.id, "year": from_year}, after=audit.snapshot(b),
                     office_id=office_id)
    return CopyResult(targets=len(source_targets), budget_lines=len(source_lines))
