#!/usr/bin/env bash
# README command 2: install what the tests need (Chromium and CJK fonts via apt-get where missing,
# the Python packages into .venv) and run the whole suite: lint, unit, storage on SQLite and
# PostgreSQL, browser tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)  # backup/restore tests (pg_dump, pg_restore, psql)
if [ ${#need[@]} -gt 0 ]; then
  echo "安装系统软件包 / installing: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo -n"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash scripts/install.sh test,bench
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
