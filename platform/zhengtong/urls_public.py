"""URLs of the district portal (public schema host). A module's district pages are mounted under
/<key>/ from its manifest's ``district_urls``: the platform names no module."""
from django.contrib import admin
from django.urls import include, path

from zhengtong.core import views as core_views
from zhengtong.registry.registry import all_modules

admin.site.site_header = "政通 Zhengtong"


def module_district_urlpatterns():
    return [path(f"{m.key}/", include(m.district_urls)) for m in all_modules() if m.district_urls]


urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("my-units/", core_views.my_units, name="my_units"),
    path("accounts/", include("zhengtong.accounts.urls")),
    path("invite/", include("tenants.urls_invitation")),
    path("units/", include("tenants.urls")),
    path("approvals/", include("zhengtong.approvals.urls_district")),
    path("reports/", include("zhengtong.reports.urls")),
    *module_district_urlpatterns(),
    path("inbox/", include("zhengtong.notifications.urls")),
    path("audit/", include("zhengtong.audit.urls")),
    path("security/", include("zhengtong.security.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Django admin: platform operators only (is_staff in the public schema).
    path("admin/", admin.site.urls),
]
