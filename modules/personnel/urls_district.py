"""District portal URLs of the personnel module (mounted at /<key>/ from the manifest's district_urls)."""
from django.urls import path

from . import views_district

app_name = "personnel_district"

urlpatterns = [
    path("", views_district.exchange_list, name="exchange_list"),
    path("settings/", views_district.exchange_settings, name="settings"),
    path("exchange/<int:pk>/", views_district.exchange_detail, name="exchange_detail"),
    path("rollup/", views_district.rollup, name="rollup"),
]
