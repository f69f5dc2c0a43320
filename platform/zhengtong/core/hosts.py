"""Absolute URLs of the district portal and of units (for links, mails, printed logins)."""
from django.conf import settings


def host_url(host: str, path: str = "/") -> str:
    scheme = getattr(settings, "ZT_URL_SCHEME", "http")
    port = getattr(settings, "ZT_URL_PORT", "")
    return f"{scheme}://{host}{':' + str(port) if port else ''}{path}"


def unit_host(slug: str) -> str:
    return f"{slug}.{settings.ZT_BASE_DOMAIN}"


def unit_url(unit, path: str = "/") -> str:
    return host_url(unit.primary_host or unit_host(unit.slug), path)


def district_url(path: str = "/") -> str:
    return host_url(settings.ZT_BASE_DOMAIN, path)
