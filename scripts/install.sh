#!/usr/bin/env bash
# Install Complaint Dojo into .venv (idempotent: re-runs pip only when pyproject.toml changed).
#   scripts/install.sh         the app
#   scripts/install.sh dev     the app and the test tools (pytest, Playwright, Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Python 3.11 or newer is needed (found: $("$PY" --version 2>&1))" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
VPY=.venv/bin/python
stamp=".venv/.installed-${extra:-app}"
want="$(cat pyproject.toml scripts/install.sh | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$VPY" -m pip install --quiet --upgrade pip
  # The CPU build of PyTorch first (openai-whisper needs torch); otherwise pip may choose a
  # multi-GB CUDA build. TORCH_SPEC overrides the pin; add PIP_EXTRA_INDEX_URL for a CPU index.
  if ! "$VPY" -c 'import torch' 2>/dev/null; then
    "$VPY" -m pip install --quiet "${TORCH_SPEC:-torch==2.13.0}"
  fi
  if [ "$extra" = dev ]; then
    "$VPY" -m pip install --quiet -e ".[dev]"
  else
    "$VPY" -m pip install --quiet -e .
  fi
  echo "$want" > "$stamp"
fi
if [ "$extra" = dev ] && { ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }; then
  # Browser tests drive Debian's Chromium (Playwright cannot download its own browser here);
  # the CJK fonts make the screenshots of the Japanese UI readable.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "Missing: Debian's 'chromium' and 'fonts-noto-cjk' (sudo apt-get install chromium fonts-noto-cjk)" >&2
    exit 1
  fi
fi
