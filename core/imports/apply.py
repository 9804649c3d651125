"""Writing an import, all or nothing: the targets (PK, RA) or the DPA lines of the file saved through
core.masterdata, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from sqlalchemy.orm import Session

from core import masterdata
from core.actor import Actor
from core.errors import Conflict, InvalidInput
from core.imports.preview import Preview, parse
from core.permissions import require


@dataclass(frozen=True)
class ImportResult:
    kind: str
    inserted: int
    updated: int
    unchanged: int


def commit(session: Session, actor: Actor, source: Union[Preview, bytes], kind: Optional[str] = None,
           office_id: Optional[int] = None, year: Optional[int] = None) -> ImportResult:
    """Write an import, all or nothing: the file is read again in this transaction and nothing is written
    when any problem remains. A row changed by someone else since the preview stops the whole import."""
    if isinstance(source, Preview):
        kind, office_id, year = source.kind, source.office_id, source.year
        data = source.data
        seen_versions = {(it["code"], it["year"]): it["version"] for it in source.items}
    else:
        data = source
        seen_versions = {}
        if kind is None or office_id is None:
            raise InvalidInput("Jenis dokumen dan perangkat daerah wajib dipilih untuk impor.")
    require(session, actor, "masterdata.manage", office_id=office_id)
    assert kind is not None and office_id is not None
    preview = parse(kind, data, session, office_id, year=year)
    if preview.problems:
        listed = [f"baris {r}, kolom {c or '-'}: {m}" for r, c, m in preview.problems]
        raise InvalidInput(f"Impor dibatalkan: ada {len(listed)} masalah pada berkas. Tidak ada data yang disimpan. "
                           "Perbaiki lalu unggah kembali.", problems=listed)
    for it in preview.items:
        key = (it["code"], it["year"])
        if key in seen_versions and seen_versions[key] != it["version"]:
            raise Conflict(f"Data {it['code']} tahun {it['year']} diubah orang lain setelah pratinjau dibuat. "
                           "Unggah ulang berkas untuk melihat pratinjau terbaru.")
    if kind not in ("PK", "RA", "DPA"):  # the Renstra and the years before the app
        from core.imports import renstra

        renstra.apply(session, actor, preview)
        return ImportResult(kind=kind, inserted=preview.inserts, updated=preview.updates,
                            unchanged=preview.unchanged)
    for it in preview.items:
        if it["action"] == "tetap":
            continue
        if kind in ("PK", "RA"):
            extra = {"source_pk": it["source"] or None} if kind == "PK" else {"source_ra": it["source"] or None}
            if it["reason"]:  # an empty cell keeps the reason stored with the target
                extra["mismatch_reason"] = it["reason"]
            result = masterdata.save_target(session, actor, it["indicator_id"], it["year"], **it["values"],
                                            expected_version=it["version"], **extra)
            if not result.saved:  # a mismatch without a reason (parse already refuses it)
                raise InvalidInput(" ".join(result.warnings))
        elif it["line_id"] is None:
            masterdata.create_budget_line(session, actor, office_id, it["year"], code=it["code"], **it["values"])
        else:
            masterdata.update_budget_line(session, actor, it["line_id"], expected_version=it["version"],
                                          **it["values"])
    return ImportResult(kind=kind, inserted=preview.inserts, updated=preview.updates, unchanged=preview.unchanged)
