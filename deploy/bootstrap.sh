#!/usr/bin/env bash
# Installs what Zhengtong needs on a Debian machine with Python 3.11+:
# Debian packages for PDFs and browser tests (when root), a virtualenv, pinned pip packages.
# Sourced by deploy/run.sh and deploy/test.sh; safe to run again (skips what is done).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DEBIAN_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei poppler-utils gettext)
# Test-only: a browser for the journeys, PgBouncer to show why transaction pooling is unsafe.
if [ "${ZT_WITH_BROWSER:-0}" = "1" ]; then DEBIAN_PACKAGES+=(chromium pgbouncer); fi

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for c in python3.13 python3.12 python3.11 python3; do
    if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then PY="$c"; break; fi
  done
fi
[ -n "$PY" ] || { echo "Zhengtong needs Python 3.11 or newer." >&2; exit 1; }
if ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then missing+=("python3-venv"); fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "!! Missing Debian packages: ${missing[*]}" >&2
    echo "!! Install them with: sudo apt-get install ${missing[*]}" >&2
    echo "!! (PDF reports need pango, the CJK font and harfbuzz-subset; browser tests need chromium.)" >&2
  fi
fi

VENV="${ZT_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating virtualenv $VENV"
  "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "==> installing Python packages (requirements.txt)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r requirements.txt
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
export PYTHONPATH="$ROOT/platform:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$ROOT/var"
