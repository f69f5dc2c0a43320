#!/usr/bin/env bash
# Install everything and run Zhengtong: embedded PostgreSQL (unless DATABASE_URL is set),
# migrations, a demo district, the web server and a real Celery worker.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bootstrap.sh"
# DEBUG is off (no tracebacks or URL lists for visitors); ZT_DEBUG=1 turns it on for a developer.
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-zhengtong.settings.dev}"
PORT="${ZT_PORT:-8000}"
export ZT_URL_PORT="${ZT_URL_PORT:-$PORT}"

echo "==> database: ${DATABASE_URL:-embedded PostgreSQL in var/pgdata}"
python manage.py migrate_platform
python manage.py seed_demo > var/demo-logins.txt
python manage.py collectstatic --noinput -v 0

mkdir -p var/log
echo "==> starting Celery worker (log: var/log/celery.log)"
celery -A zhengtong worker --beat -l info --concurrency=2 -s var/celerybeat-schedule >var/log/celery.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM

cat var/demo-logins.txt
echo "==> web server on http://zt.localhost:$PORT/ (DEBUG $([ "${ZT_DEBUG:-}" = 1 ] && echo on || echo off); Ctrl-C stops everything)"
exec_gunicorn() {
  gunicorn zhengtong.wsgi:application --bind "${ZT_BIND:-127.0.0.1}:$PORT" --workers "${ZT_WEB_WORKERS:-3}" \
    --access-logfile var/log/access.log --error-logfile - --timeout 120
}
exec_gunicorn
