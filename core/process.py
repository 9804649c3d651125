"""Settings of the long-lived server process (not of a request)."""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_tuned = False


def tune_gc(gen0_threshold: int = 10_000) -> bool:
    """Keep Python's cycle collector out of the requests' way in a long-lived server process.

    The objects alive once the app has started (modules, classes, Streamlit's own state: about 200,000)
    are moved to the permanent generation (`gc.freeze`), so a full collection no longer walks them, and
    the youngest generation is collected after `gen0_threshold` new objects instead of 700: a recap
    allocates tens of thousands of short-lived objects, and every collection of a young generation ran
    in the middle of a request. Garbage left at start-up is collected first, so nothing is frozen that
    could be freed. Idempotent; returns True the first time.
    """
    global _tuned
    with _lock:
        if _tuned:
            return False
        gc.collect()
        gc.freeze()
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(gen0_threshold, gen1, gen2)
        _tuned = True
        return True
