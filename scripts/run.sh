#!/usr/bin/env bash
# Install if needed, then run the app on the embedded defaults: SQLite under ./data, demo data,
# the bundled Whisper base model. Settings come from DOJO_* variables or .env (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export DOJO_DEMO_MODE="${DOJO_DEMO_MODE:-true}"
.venv/bin/python -m core.cli migrate
.venv/bin/python -m core.cli prepare-model
exec .venv/bin/streamlit run streamlit_app.py --server.headless true \
  --server.port "${PORT:-8501}" --browser.gatherUsageStats false "$@"
