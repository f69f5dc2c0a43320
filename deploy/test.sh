#!/usr/bin/env bash
# Install everything (including Debian's Chromium for browser tests) and run the whole suite.
# Uses the embedded PostgreSQL unless DATABASE_URL is set.
set -euo pipefail
export ZT_WITH_BROWSER=1
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bootstrap.sh"
export ZT_PGDATA="${ZT_PGDATA:-$ROOT/var/pgdata-test}"
# Lint first, over the whole tree (rules in pyproject.toml [tool.ruff]): a finding fails the run
# like a failing test does.
ruff check "$ROOT"
python -m pytest "$@"
