"""Sign-in events go to the audit trail of the schema where they happened (the unit's or
the district's). Signals are the hook Django offers for these; no business logic here."""
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from zhengtong.audit.context import client_ip
from zhengtong.audit.services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(action="auth.login", actor=user, obj=user, ip=client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.logout", actor=user, obj=user, ip=client_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record(action="auth.login_failed", object_type="accounts.User",
                 object_repr=str(credentials.get("username", ""))[:200], result="failure",
                 ip=client_ip(request) if request else None)
