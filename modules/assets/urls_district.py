"""District portal URLs of the assets module (included from zhengtong/urls_public.py)."""
from django.urls import path

from . import views_district

app_name = "assets_district"

urlpatterns = [
    path("", views_district.district_rollup, name="rollup"),
    path("units/<slug:slug>/", views_district.district_unit, name="unit"),
]
