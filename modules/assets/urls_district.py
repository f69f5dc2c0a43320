"""District portal URLs of the assets module (mounted at /<key>/ from the manifest's district_urls)."""
from django.urls import include, path

from . import views_district
from .stocktake import views_district as stocktake_district

app_name = "assets_district"

urlpatterns = [
    path("", views_district.district_rollup, name="rollup"),
    path("refresh/", views_district.district_refresh, name="refresh"),
    path("export.xlsx", views_district.district_export, name="export"),
    path("report/", views_district.district_report, name="report"),
    path("units/<slug:slug>/", views_district.district_unit, name="unit"),
    path("pool/", include("modules.assets.pool.urls_district")),
    path("lending/", include("modules.assets.leasing.urls_district")),
    path("stocktakes/", stocktake_district.progress, name="stocktakes"),
    path("quotas/", views_district.bureau_units, name="quotas"),
    path("quotas/<slug:slug>/", views_district.bureau_unit, name="quota_unit"),
    path("quotas/<slug:slug>/items/<int:pk>/step/", views_district.bureau_step, name="quota_step"),
    path("quotas/<slug:slug>/acquisitions/<int:pk>/", views_district.bureau_acquisition_decide,
         name="quota_acquisition"),
    path("budgets/<slug:slug>/", views_district.bureau_budgets, name="budgets"),
    path("budgets/<slug:slug>/<int:year>/", views_district.bureau_budget, name="budget"),
]
