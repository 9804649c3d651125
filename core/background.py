"""Work done after a request on a thread of its own, once per key however often it was asked for."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Optional

_log = logging.getLogger(__name__)


class Coalescer:
    """Runs `work(key)` on one daemon thread for each submitted key, in the order first submitted.

    A key submitted again while it is still waiting runs once: ten saves in a row of one office give one
    recomputation, not ten. A key submitted while its work runs is run again afterwards (the work may
    have read the data before the last change). `work` must catch nothing it cannot handle: an exception
    is logged and the thread goes on with the next key.
    """

    def __init__(self, work: Callable[[Hashable], object], name: str = "kinerja-background") -> None:
        self._work = work
        self._name = name
        self._pending: dict[Hashable, None] = {}  # insertion-ordered set
        self._busy = False
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._stopped = False
        self.runs = 0  # works done, for tests and the benchmark
        self.last_seconds = 0.0

    def submit(self, key: Hashable) -> None:
        with self._cond:
            if self._stopped:
                return
            self._pending[key] = None
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once nothing waits or runs (False if `timeout` seconds passed first)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def stop(self) -> None:
        """Drop what waits and end the thread after the work that runs."""
        with self._cond:
            self._stopped = True
            self._pending.clear()
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                key = next(iter(self._pending))
                del self._pending[key]
                self._busy = True
            t0 = time.perf_counter()
            try:
                self._work(key)
            except Exception:  # noqa: BLE001 - background work: logged, the next key still runs
                _log.exception("%s: work for %r failed", self._name, key)
            finally:
                with self._cond:
                    self.runs += 1
                    self.last_seconds = time.perf_counter() - t0
                    self._busy = False
                    self._cond.notify_all()
