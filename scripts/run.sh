#!/usr/bin/env bash
# Install if needed, then run the app on the embedded defaults: SQLite under ./data, demo data,
# the bundled Whisper base model, the job queue in ./data/queue.sqlite3 with one background
# worker process beside Streamlit (WORKERS=n for more). Settings come from DOJO_* variables or
# .env (see README). Stopping Streamlit (Ctrl-C) stops the workers too.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export DOJO_DEMO_MODE="${DOJO_DEMO_MODE:-true}"
.venv/bin/python -m core.cli migrate
.venv/bin/python -m core.cli prepare-model
# Listen on this computer only unless DOJO_BIND_ADDRESS (env or .env) opens it (0.0.0.0 = every
# interface); tracebacks in the browser only with DOJO_ENVIRONMENT=development (core.config).
read -r BIND DETAILS < <(.venv/bin/python -c 'from core.config import get_settings as g; s = g()
print(s.bind_address, "full" if s.environment == "development" else "none")')

# The analyses, voices and sweeps run in worker processes, not in the web process.
worker_pids=()
stop_workers() {
  for pid in "${worker_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${worker_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_workers EXIT
for _ in $(seq "${WORKERS:-1}"); do
  .venv/bin/python -m core.worker &
  worker_pids+=("$!")
done
export DOJO_WORKER_MODE=external  # this script started them; the web process starts none

# app.py: the Streamlit script inside an st.App that adds the login-cookie routes.
.venv/bin/streamlit run app.py --server.headless true \
  --server.address "$BIND" --server.port "${PORT:-8501}" \
  --client.showErrorDetails "$DETAILS" --browser.gatherUsageStats false "$@"
