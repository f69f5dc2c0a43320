from .base import *  # noqa: F401,F403

DEBUG = True

# Serve static files from the source folders, so a plain `runserver`/gunicorn works without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
