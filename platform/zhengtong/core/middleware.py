"""The platform's request steps: the unit of the host, the unit's status (a suspended unit's
portal stays readable but refuses changes; an archived unit's portal is closed, its data
readable by the district through roll-ups), the language, and the boundary for control
characters."""
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_tenant_model

from .tenancy import unit_for_host

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
ALWAYS_ALLOWED = ("/accounts/logout/", "/i18n/")


class UnitHostMiddleware(TenantMainMiddleware):
    """django-tenants' host → unit step (the connection's schema, the URL configuration), with
    the unit read together with its enabled modules and the security policy: one query for what
    every page asks (zhengtong.core.tenancy.unit_for_host)."""

    def get_tenant(self, domain_model, hostname):
        return unit_for_host(hostname)


class UnitStatusMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        unit = getattr(request, "tenant", None)
        if unit is not None and not unit.is_district_portal and not request.path.startswith(ALWAYS_ALLOWED):
            status = get_tenant_model().Status
            if unit.status == status.ARCHIVED or (
                unit.status == status.SUSPENDED and request.method not in SAFE_METHODS
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


class ControlCharacterMiddleware:
    """One boundary for text coming in: a request whose path, query parameters, form fields
    or JSON body carry a control character (zhengtong.core.text) is refused with 400 and a
    message naming the field, before any view or serializer sees it.

    Without it ``?q=%00`` reached PostgreSQL (which refuses NUL in text: a 500 on every list
    page that searched), and a vertical tab pasted into a name was stored and broke the
    unit's xlsx exports. Refusing rather than silently deleting: the person sees that what
    they pasted was not what they meant, and nothing is stored that differs from what was sent.
    Tab, line feed and carriage return pass (text areas hold them).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self.offending_field(request)
        if field is not None:
            return self.refuse(request, field)
        return self.get_response(request)

    @staticmethod
    def offending_field(request) -> str | None:
        from .text import first_control_character

        if first_control_character(request.path):
            return "URL"
        found = first_control_character(dict(request.GET.lists()))
        if found or request.method in ("GET", "HEAD", "OPTIONS"):
            return found
        content_type = request.content_type or ""
        if content_type == "application/json" or content_type.endswith("+json"):
            return first_control_character(_json_body(request))
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # Reading POST here parses the body once; views read the same parsed QueryDict.
            return first_control_character(dict(request.POST.lists()))
        return None

    @staticmethod
    def refuse(request, field: str):
        from django.http import JsonResponse
        from django.urls import set_urlconf
        from django.utils.translation import gettext as _

        message = _("The field %(field)s contains an invisible control character (such as NUL or one pasted from "
                    "Word); nothing was saved. Delete the character and try again "
                    "(字段“%(field)s”含有不可见的控制字符，未保存；请删除该字符后重试).") % {"field": field[:60]}
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "field": field}, status=400)
        # Answering before URL resolution: the page's links need the host's URLconf (the
        # district's differs from a unit's), which Django sets only when it resolves the path.
        set_urlconf(getattr(request, "urlconf", None))
        return render(request, "core/bad_input.html", {"message": message}, status=400)


def _json_body(request):
    import json

    try:
        return json.loads(request.body or b"null")
    except ValueError:  # not JSON (or not UTF-8): the API's own parser answers that
        return None
