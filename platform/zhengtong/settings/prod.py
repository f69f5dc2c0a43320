"""Production: secrets from the environment, HTTPS everywhere, no demo accounts."""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = os.environ.get("ZT_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("ZT_SECRET_KEY must be set to a random value of 50+ characters")
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True  # noqa: F405
# No default or shared accounts: the demo seed (demo users, known password) refuses to run.
ZT_DEMO_ALLOWED = False
EMAIL_BACKEND = os.environ.get("ZT_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
