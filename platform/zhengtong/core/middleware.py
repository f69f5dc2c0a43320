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


class PreferredLanguageMiddleware:
    """Chinese unless the person chose otherwise.

    Django's LocaleMiddleware follows the browser's Accept-Language, which on many
    office machines is English; a government portal should open in Chinese and switch
    to English only when asked (the language cookie set by the switch in the header).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
