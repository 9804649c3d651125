#!/usr/bin/env bash
# One command to set up and run Kinerja with its embedded default: SQLite under ./data with demo data.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
.venv/bin/python -m db.seed --demo
exec .venv/bin/streamlit run app.py \
  --server.address "${KINERJA_ADDRESS:-0.0.0.0}" --server.port "${KINERJA_PORT:-8501}" \
  --server.headless true --browser.gatherUsageStats false "$@"
