"""Long work started by a click, run on a thread of its own so that the page stays usable and says how far it is.

Building a report's four files (core.report_doc.build_report: report XLSX and PDF, E.81 XLSX and PDF) takes
about a second for an office like the demo's and ten or more for one with 60 indicators and 300 DPA lines.
The page starts the work here (`start`), waits a moment for it (`Job.wait`: a short build is shown at once, as
before), and otherwise draws a progress bar from `Job.progress` / `Job.message` until it is done.

The work itself is an ordinary core function in its own unit of work: its permission check, its audit entries
and its transaction are the same as in the request; an error is kept on the job (`Job.error`, the Indonesian
message of a core.errors.KinerjaError) and shown by the page. Work in progress tells how far it is with
`step(message, fraction)`, a no-op outside a job.

Jobs live in this process (a person's browser stays on one process, docs/deployment.md); a job of the same
key that is still running is not started twice (a second click, a second tab), and finished jobs are
forgotten after an hour.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Optional

from core.errors import KinerjaError

_log = logging.getLogger(__name__)
KEEP_SECONDS = 3600
UNEXPECTED = ("Terjadi kesalahan tak terduga saat menyusun berkas; tidak ada yang tersimpan. Ulangi, dan bila "
              "berulang hubungi administrator.")


@dataclass
class Job:
    id: int
    key: Hashable
    label: str
    started: float = field(default_factory=time.monotonic)
    finished: Optional[float] = None
    progress: float = 0.0  # 0..1, what the work last said
    message: str = ""
    result: Any = None
    error: Optional[str] = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def wait(self, timeout: float) -> bool:
        """True once the job is done (False if `timeout` seconds passed first)."""
        return self._done.wait(timeout)


_jobs: dict[int, Job] = {}
_lock = threading.Lock()
_ids = itertools.count(1)
_current = threading.local()


def step(message: str, fraction: float) -> None:
    """Say how far the running job is (`fraction` of the work done, 0..1); nothing outside a job."""
    job: Optional[Job] = getattr(_current, "job", None)
    if job is not None:
        job.message = message
        job.progress = max(job.progress, min(1.0, max(0.0, fraction)))


def start(key: Hashable, label: str, work: Callable[[], Any]) -> Job:
    """Run `work()` on a thread of its own, unless a job of `key` is still running: then that job."""
    with _lock:
        _forget_old()
        running = next((j for j in _jobs.values() if j.key == key and not j.done), None)
        if running is not None:
            return running
        job = Job(next(_ids), key, label)
        _jobs[job.id] = job
    threading.Thread(target=_run, args=(job, work), name=f"kinerja-job-{job.id}", daemon=True).start()
    return job


def get(job_id: Optional[int]) -> Optional[Job]:
    with _lock:
        return _jobs.get(job_id) if job_id is not None else None


def running(key: Hashable) -> Optional[Job]:
    """The job of `key` still running in this process, if any."""
    with _lock:
        return next((j for j in _jobs.values() if j.key == key and not j.done), None)


def _run(job: Job, work: Callable[[], Any]) -> None:
    _current.job = job
    try:
        job.result = work()
        job.progress = 1.0
    except KinerjaError as exc:
        job.error = str(exc)
    except Exception:  # noqa: BLE001 - a thread's failure is kept on the job and shown by the page
        _log.exception("job %s (%r) failed", job.id, job.key)
        job.error = UNEXPECTED
    finally:
        _current.job = None
        job.finished = time.monotonic()
        job._done.set()


def _forget_old() -> None:
    now = time.monotonic()
    for job_id in [j.id for j in _jobs.values() if j.done and now - (j.finished or now) > KEEP_SECONDS]:
        del _jobs[job_id]
