#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install the project with the versions CI tested (constraints.txt).
# Usage: scripts/install.sh [extras]   e.g. scripts/install.sh test,bench
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
py=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    py="$candidate"; break
  fi
done
if [ -z "$py" ]; then
  echo "错误：需要 Python 3.11 或更新版本。/ Error: Python 3.11+ is required." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
target="."
[ -n "$extras" ] && target=".[$extras]"
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-${extras:-none}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip 2>/dev/null || true
  if ! .venv/bin/python -m pip install --quiet -c constraints.txt -e "$target" > .venv/pip.log 2>&1; then
    cat .venv/pip.log >&2
    echo "错误：安装依赖失败（见上）。/ Error: installing dependencies failed (see above)." >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
