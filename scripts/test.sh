#!/usr/bin/env bash
# Install the dev extras (and Debian's Chromium), then run the whole test suite, browser
# journeys included, on SQLite and on the local PostgreSQL (127.0.0.1:5432, trust auth); the
# background-job tests (tests/jobs) also need the local Redis (127.0.0.1:6379).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh dev
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"
