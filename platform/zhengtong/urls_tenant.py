"""URLs of a unit's portal. Each enabled module is mounted under /m/<key>/ with its key
as namespace; ModuleGateMiddleware makes a disabled module's URLs 404. Tenancy and modules are
included by dotted path, never imported: the platform imports neither (docs/architecture.md, Layers)."""
from importlib import import_module

from django.urls import include, path

from zhengtong.core import views as core_views
from zhengtong.registry.registry import all_modules


def module_urlpatterns():
    patterns = []
    for m in all_modules():
        patterns.append(path(f"m/{m.key}/", include((import_module(m.urls).urlpatterns, m.key), namespace=m.key)))
    return patterns


urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("zhengtong.accounts.urls")),
    path("members/", include("tenants.urls_unit")),
    path("modules/", include("zhengtong.registry.urls")),
    path("approvals/", include("zhengtong.approvals.urls")),
    path("reports/", include("zhengtong.reports.urls")),
    path("imports/", include("zhengtong.imports.urls")),
    path("files/", include("zhengtong.files.urls")),
    path("inbox/", include("zhengtong.notifications.urls")),
    path("audit/", include("zhengtong.audit.urls")),
    path("security/", include("zhengtong.security.urls")),
    path("api/", include("zhengtong.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    *module_urlpatterns(),
]
