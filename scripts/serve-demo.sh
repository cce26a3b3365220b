#!/usr/bin/env bash
# README command 1: install, create and fill the demo database if empty, start both servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/xinfang db upgrade
.venv/bin/xinfang demo --if-empty
exec .venv/bin/xinfang serve "$@"
