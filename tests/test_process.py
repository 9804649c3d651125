"""The server process's collector settings (core.process)."""

import gc

from core import process


def test_tune_gc_freezes_the_startup_objects_once_and_collects_young_objects_less_often(monkeypatch):
    before = gc.get_threshold()
    monkeypatch.setattr(process, "_tuned", False)
    try:
        assert process.tune_gc(gen0_threshold=12_345) is True
        assert gc.get_freeze_count() > 1000  # the modules and classes alive at start-up
        assert gc.get_threshold() == (12_345, before[1], before[2])
        assert process.tune_gc() is False  # a rerun of app.py changes nothing
        assert gc.get_threshold()[0] == 12_345
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
