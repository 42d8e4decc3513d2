#!/usr/bin/env bash
# Install if needed, then run the app on the embedded defaults: SQLite under ./data, demo data,
# the bundled Whisper base model. Settings come from DOJO_* variables or .env (see README).
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
exec .venv/bin/streamlit run streamlit_app.py --server.headless true \
  --server.address "$BIND" --server.port "${PORT:-8501}" \
  --client.showErrorDetails "$DETAILS" --browser.gatherUsageStats false "$@"
