import os

from .base import *  # noqa: F401,F403

# The README's run command (deploy/run.sh) uses these settings and listens on the network,
# so DEBUG stays off unless a developer asks for it: with DEBUG on, a 500 shows anyone the
# traceback with settings and paths, and a 404 lists every URL pattern. `ZT_DEBUG=1 bash
# deploy/run.sh` turns it on for a developer's own machine.
DEBUG = os.environ.get("ZT_DEBUG", "") == "1"

# Serve static files from the source folders, so a plain `runserver`/gunicorn works without collectstatic.
# WhiteNoise serves them whatever DEBUG is.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
