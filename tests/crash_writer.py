"""A writer process for the crash-safety test: saves through core in a loop, acknowledging each commit.

    python -m tests.crash_writer DATABASE_URL target TARGET_ID
    python -m tests.crash_writer DATABASE_URL entries SUBMISSION_ID INDICATOR_ID USERNAME

`target`: each save is one unit of work that changes a target's TW IV value to the save's number and
writes the audit row of that change. `entries`: each save is core.steps.isi_data.save_entries of the unit's
realisation (value = the save's number), as the Isi Data Kinerja page does. Only after the commit
returns does it print "ACK <n>". The parent kills this process with SIGKILL at some point and checks
that every acknowledged save is there.
"""

from __future__ import annotations

import sys
from decimal import Decimal

from core import audit
from core.actor import SYSTEM
from core.auth import actor_for
from core.steps import isi_data
from core.uow import unit_of_work
from db.models import Target

PAYLOAD = "x" * 20_000  # big enough that a kill often lands in the middle of writing a transaction


def save_target(url: str, target_id: int, n: int) -> None:
    with unit_of_work(url) as session:
        target = session.get(Target, target_id)
        before = audit.snapshot(target, ["q4", "version"])
        target.q4 = Decimal(n)
        target.version = (target.version or 0) + 1
        audit.record(session, SYSTEM, "crash.probe", "target", target_id, before=before,
                     after={"q4": n, "version": target.version, "n": n, "payload": PAYLOAD})


def main() -> None:
    url, mode = sys.argv[1], sys.argv[2]
    if mode == "entries":
        sub_id, ind_id = int(sys.argv[3]), int(sys.argv[4])
        with unit_of_work(url) as session:
            actor = actor_for(session, sys.argv[5])
    n = 0
    while True:
        n += 1
        if mode == "entries":
            with unit_of_work(url) as session:
                isi_data.save_entries(session, actor, sub_id, {ind_id: {"Realisasi TW": str(n),
                                                                     "Catatan": f"simpan {n} " + PAYLOAD}})
        else:
            save_target(url, int(sys.argv[3]), n)
        sys.stdout.write(f"ACK {n}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
