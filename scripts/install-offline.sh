#!/usr/bin/env bash
# Install and start the workbook from an offline bundle (made by `xinfang bundle` on a connected machine).
# In the unpacked bundle folder:   bash install.sh [--install-only] [xinfang serve options, e.g. --host 0.0.0.0]
# Uses only the wheels in ./wheels (pip --no-index): no network is needed or used. Python: the version
# the bundle was made for (bundle.json), found as python3.X, or given as PYTHON=/path/to/python.
set -euo pipefail
cd "$(dirname "$0")"
install_only=0
serve_args=()
for arg in "$@"; do
  case "$arg" in
    --install-only) install_only=1 ;;
    *) serve_args+=("$arg") ;;
  esac
done
if [ ! -f bundle.json ] || [ ! -d wheels ]; then
  echo "错误：这里没有 bundle.json 和 wheels 文件夹，请在解开的安装包文件夹里运行本脚本。/ Error: run this in the unpacked bundle folder." >&2
  exit 2
fi
# Only the bundle's wheels: no index, no mirror, no find-links or config of this machine.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\(PIP_[A-Z_]*\)=.*/\1/p')
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
wanted="$(sed -n 's/^ *"python": *"\([0-9.]*\)".*/\1/p' bundle.json | head -n 1)"
py="${PYTHON:-}"
if [ -z "$py" ]; then
  for candidate in "python$wanted" python3 python; do
    if command -v "$candidate" >/dev/null 2>&1; then py="$candidate"; break; fi
  done
fi
if [ -z "$py" ]; then
  echo "错误：找不到 Python。本安装包需要 Python $wanted，请先安装。/ Error: Python $wanted is required." >&2
  exit 2
fi
# Right Python and platform, every wheel intact: checked before anything is written.
PYTHONPATH="$PWD" "$py" -m xinfang.bundle check . || exit 2

stamp=".venv/.bundle-$(sha256sum bundle.json | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  if [ ! -x .venv/bin/python ]; then
    if ! "$py" -m venv .venv; then
      rm -rf .venv
      echo "错误：无法建立虚拟环境。Debian/Ubuntu 上请先安装 python${wanted}-venv（它也在系统安装盘上）。/ Error: 'python -m venv' failed; install python${wanted}-venv." >&2
      exit 2
    fi
  fi
  echo "正在安装（只用安装包里的程序包，不联网）…"
  if ! .venv/bin/python -m pip install --no-index --find-links wheels -c constraints.txt \
       --report .venv/bundle-install.json -e . > .venv/bundle-install.log 2>&1; then
    tail -n 20 .venv/bundle-install.log >&2
    echo "错误：安装失败（完整记录在 .venv/bundle-install.log）。/ Error: installing failed, see .venv/bundle-install.log." >&2
    exit 2
  fi
  rm -f .venv/.bundle-*
  touch "$stamp"
fi
.venv/bin/xinfang db upgrade
if [ "$install_only" = 1 ]; then
  echo "安装完成。启动：.venv/bin/xinfang serve --host 0.0.0.0（详见 README「在矿区内网正式运行」）"
  exit 0
fi
exec .venv/bin/xinfang serve ${serve_args[@]+"${serve_args[@]}"}
