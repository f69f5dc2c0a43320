"""URLs of the district portal (public schema host)."""
from django.contrib import admin
from django.urls import include, path

from zhengtong.core import views as core_views

admin.site.site_header = "政通 Zhengtong"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("my-units/", core_views.my_units, name="my_units"),
    path("accounts/", include("zhengtong.accounts.urls")),
    path("invite/", include("tenants.urls_invitation")),
    path("units/", include("tenants.urls")),
    path("approvals/", include("zhengtong.approvals.urls_district")),
    path("reports/", include("zhengtong.reports.urls")),
    path("assets/", include("modules.assets.urls_district")),
    path("inspection/", include("modules.inspection.urls_district")),
    path("personnel/", include("modules.personnel.urls_district")),
    path("inbox/", include("zhengtong.notifications.urls")),
    path("audit/", include("zhengtong.audit.urls")),
    path("security/", include("zhengtong.security.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Django admin: platform operators only (is_staff in the public schema).
    path("admin/", admin.site.urls),
]
