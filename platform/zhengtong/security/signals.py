"""Start the session clocks at sign-in. A signal because every sign-in path (the login
page, the Django admin, tests' force_login) goes through django.contrib.auth.login."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import session_started


@receiver(user_logged_in)
def _session_clocks(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_started(request)
