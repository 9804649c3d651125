"""The bench scripts still run: bench.pages at a tiny regency prints its table (no timing is asserted).

About a minute, so it runs when asked (KINERJA_BENCH_SMOKE=1 ./test.sh tests/test_bench_scripts.py), before
a benchmark round, and not in every CI run, which must stay well under 30 minutes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not os.environ.get("KINERJA_BENCH_SMOKE"), reason="KINERJA_BENCH_SMOKE=1 runs the bench smoke test")
def test_pages_bench_prints_its_table_for_a_tiny_regency(tmp_path):
    from bench.generate import generate
    from db.engine import dispose_all

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    generate(url, offices=4)
    dispose_all()
    res = subprocess.run([sys.executable, "-m", "bench.pages", "--url", url, "--pages", "isi_data,pengolahan",
                          "--repeat", "1"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Isi Data Kinerja (60 baris)" in res.stdout
    assert "error" not in res.stdout, res.stdout
    assert "Pengolahan" in res.stdout and "≤ 1.5×" in res.stdout
