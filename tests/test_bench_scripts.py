"""The bench scripts still run: bench.pages at a tiny regency prints its table (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
