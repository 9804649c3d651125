#!/usr/bin/env bash
# One command to set up and run the tests (set KINERJA_TEST_PG_URL to include PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
.venv/bin/ruff check --quiet core db pages app.py tests
# Two workers (pytest-xdist): the browser tests on one, the rest on the other, by the groups tests/conftest.py
# gives; pass -n 0 to run in one process.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 --dist loadgroup --no-loadscope-reorder "$@"
