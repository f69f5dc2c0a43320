"""Content-Security-Policy (django-csp), completed per request.

The policy itself is in settings (CONTENT_SECURITY_POLICY: nothing inline, nothing from
elsewhere). Only form-action needs the district's host names: the invitation page posts on
the district's host and sends the new member on to their unit's host, and browsers apply
form-action to that redirect too. The base domain differs per environment (and the test
settings set it after base.py is read), so it is filled in here from the settings in force.
"""
from csp.middleware import CSPMiddleware
from django.conf import settings


def form_targets() -> list[str]:
    domain = settings.ZT_BASE_DOMAIN
    return ["'self'", f"{domain}:*", f"*.{domain}:*"]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and "form-action" not in (parts.replace or {}):
            parts.replace = {**(parts.replace or {}), "form-action": form_targets()}
        return parts
