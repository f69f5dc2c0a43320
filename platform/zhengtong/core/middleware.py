"""A suspended unit's portal stays readable but refuses changes; an archived unit's
portal is closed (its data stays, readable by the district through roll-ups)."""
from django.shortcuts import render

from tenants.models import Unit

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
ALWAYS_ALLOWED = ("/accounts/logout/", "/i18n/")


class UnitStatusMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        unit = getattr(request, "tenant", None)
        if unit is not None and not unit.is_district_portal and not request.path.startswith(ALWAYS_ALLOWED):
            if unit.status == Unit.Status.ARCHIVED or (
                unit.status == Unit.Status.SUSPENDED and request.method not in SAFE_METHODS
            ):
                return render(request, "core/unit_unavailable.html", {"unit": unit}, status=403)
        return self.get_response(request)
