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
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
