#!/usr/bin/env bash
# Rebuild the zh-hans translations: collect messages, fill them from
# platform/zhengtong/locale/sources/*.json, compile the .mo. Serialised with flock because
# several people may run it in one working tree.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${ZT_VENV:-$ROOT/.venv}/bin/python"
LOC=platform/zhengtong/locale
mkdir -p "$ROOT/var"
exec 9>"$ROOT/var/.i18n.lock"
flock 9
DJANGO_SETTINGS_MODULE=zhengtong.settings.test "$PY" manage.py makemessages -l zh_Hans --no-obsolete \
  --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=deploy >/dev/null
"$PY" deploy/i18n_fill.py "$LOC/zh_Hans/LC_MESSAGES/django.po" "$LOC/sources"
DJANGO_SETTINGS_MODULE=zhengtong.settings.test "$PY" manage.py compilemessages --ignore=.venv --ignore=var >/dev/null
echo "translations rebuilt: $LOC/zh_Hans/LC_MESSAGES/django.mo"
