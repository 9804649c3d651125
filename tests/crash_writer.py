"""A writer process for the crash-safety test: saves through core in a loop, acknowledging each commit.

    python -m tests.crash_writer DATABASE_URL TARGET_ID

Each save is one unit of work that changes a target's TW IV value to the save's number and writes the
audit row of that change; only after the commit returns does it print "ACK <n>". The parent kills
this process with SIGKILL at some point and then checks that every acknowledged save is there.
"""

from __future__ import annotations

import sys
from decimal import Decimal

from core import audit
from core.actor import SYSTEM
from core.uow import unit_of_work
from db.models import Target

PAYLOAD = "x" * 20_000  # big enough that a kill often lands in the middle of writing a transaction


def main() -> None:
    url, target_id = sys.argv[1], int(sys.argv[2])
    n = 0
    while True:
        n += 1
        with unit_of_work(url) as session:
            target = session.get(Target, target_id)
            before = audit.snapshot(target, ["q4", "version"])
            target.q4 = Decimal(n)
            target.version = (target.version or 0) + 1
            audit.record(session, SYSTEM, "crash.probe", "target", target_id, before=before,
                         after={"q4": n, "version": target.version, "n": n, "payload": PAYLOAD})
        sys.stdout.write(f"ACK {n}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
