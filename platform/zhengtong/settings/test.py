import os

from .base import *  # noqa: F401,F403

# Fast hashing in tests only: the production hasher is deliberately slow.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ZT_BASE_DOMAIN = "zt.test"
ALLOWED_HOSTS = ["zt.test", ".zt.test", "localhost", "127.0.0.1", "testserver"]
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
# Test-only tasks (tests/support/probe_tasks.py) for the worker the tests start.
CELERY_IMPORTS = ["tests.support.probe_tasks"]
# A queue of its own per test worker when the broker is shared (Redis): several test runs
# on one machine must not take each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("ZT_CELERY_QUEUE", "celery")

# The live server of browser tests serves CSS straight from the source folders (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
