#!/usr/bin/env bash
# Start N Kinerja processes on one PostgreSQL database, on 127.0.0.1:8601, 8602, … for nginx in front
# (deploy/nginx/kinerja.conf). In production use the systemd units of deploy/systemd/ instead; this is the
# same thing in one terminal (Ctrl-C stops them all). docs/deployment.md explains the settings.
#
#   DATABASE_URL=postgresql+psycopg://kinerja@127.0.0.1/kinerja deploy/run-processes.sh --count 2
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=2
BASE_PORT=${KINERJA_BASE_PORT:-8601}
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --base-port) BASE_PORT=$2; shift 2 ;;
    *) echo "usage: $0 [--count N] [--base-port 8601]" >&2; exit 2 ;;
  esac
done
: "${DATABASE_URL:?setel DATABASE_URL ke basis data PostgreSQL (postgresql+psycopg://…)}"
case "$DATABASE_URL" in
  postgresql*) ;;
  *) echo "Beberapa proses memerlukan PostgreSQL; SQLite hanya untuk satu proses (./run.sh)." >&2; exit 2 ;;
esac
# Every process must sign and check the same cookies: the login cookie (KINERJA_COOKIE_KEY) and Streamlit's
# XSRF cookie (server.cookieSecret). Without a fixed secret each process would make its own at start.
: "${STREAMLIT_SERVER_COOKIE_SECRET:?setel STREAMLIT_SERVER_COOKIE_SECRET (nilai acak yang sama untuk semua proses)}"
export STREAMLIT_SERVER_COOKIE_SECRET
PY=${PYTHON:-.venv/bin/python}
# Migrate (and, outside production, load the demo into an empty database) once, before the processes start:
# two processes starting on an empty database must not both load it.
"$PY" -m db.seed ${KINERJA_DEMO:+--demo}
export KINERJA_AUTO_SEED=0
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait' INT TERM EXIT
for i in $(seq 0 $((COUNT - 1))); do
  "$PY" -m streamlit run app.py --server.address 127.0.0.1 --server.port $((BASE_PORT + i)) \
    --server.headless true --browser.gatherUsageStats false --server.fileWatcherType none &
  pids+=($!)
done
wait -n  # one process ended: stop the others too (the service manager restarts the lot)
