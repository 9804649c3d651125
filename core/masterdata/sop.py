"""The SOP steps' editable definitions: executors, standard time, inputs and output."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import ROLE_LABELS, ROLES, Actor
from core.errors import InvalidInput
from core.masterdata.common import _apply, _get, _text
from core.permissions import require
from core.sop import duration_label
from db.models import SopStep


def list_sop_steps(session: Session) -> pd.DataFrame:
    rows = [{"id": s.id, "nomor": s.number, "kode": s.code, "nama_singkat": s.short_name, "kegiatan": s.name,
             "pelaksana": list(s.executor_roles or []),
             "pelaksana_label": ", ".join(ROLE_LABELS.get(r, r) for r in s.executor_roles or []),
             "kelengkapan": s.inputs, "waktu_menit": s.standard_minutes, "waktu_label": s.standard_label,
             "output": s.output}
            for s in session.scalars(select(SopStep).order_by(SopStep.number))]
    return pd.DataFrame(rows, columns=["id", "nomor", "kode", "nama_singkat", "kegiatan", "pelaksana",
                                       "pelaksana_label", "kelengkapan", "waktu_menit", "waktu_label", "output"])


def update_sop_step(session: Session, actor: Actor, step_id: int, *, executor_roles: list[str],
                    standard_minutes: Any, standard_label: str, inputs: str, output: str,
                    name: Optional[str] = None, short_name: Optional[str] = None,
                    shown: Optional[dict[str, Any]] = None) -> bool:
    """Edit a step's executors, standard time, inputs and output. Number and code are fixed. `shown`: the step
    as the form drew it (common.touched). A new standard time with its label left as it was (or emptied) gets
    the label of the new time ('1 hari 1 jam'), so the SOP table never shows the old time beside the new one."""
    require(session, actor, "sop.manage")
    step = _get(session, SopStep, step_id, "Langkah SOP")
    roles = list(dict.fromkeys(executor_roles or []))
    if not roles:
        raise InvalidInput(f"Langkah {step.number} harus memiliki paling sedikit satu peran pelaksana.")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise InvalidInput("Peran pelaksana tidak dikenal: " + ", ".join(bad) + ".")
    try:
        minutes = int(Decimal(str(standard_minutes)))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput(f"Waktu baku langkah {step.number} harus jumlah menit (angka bulat).") from None
    if not 1 <= minutes <= 60 * 24 * 60:
        raise InvalidInput(f"Waktu baku langkah {step.number} harus antara 1 menit dan 60 hari.")
    label = (standard_label or "").strip()
    was = (shown or {}).get("standard_label", step.standard_label)
    if not label or (minutes != (shown or {}).get("standard_minutes", step.standard_minutes) and label == was):
        label = duration_label(minutes)
    values: dict[str, Any] = {
        "executor_roles": roles, "standard_minutes": minutes,
        "standard_label": _text(label, "Label waktu baku", 40),
        "inputs": _text(inputs, "Kelengkapan", 5000, False), "output": _text(output, "Output", 200, False),
    }
    if name is not None:
        values["name"] = _text(name, "Uraian kegiatan", 300)
    if short_name is not None:
        values["short_name"] = _text(short_name, "Nama singkat", 60)
    return _apply(session, actor, step, values, "sop.update", "sop_step", None, shown=shown,
                  label=f"langkah SOP {step.number}")
