"""Included from modules/assets/urls_district.py (namespace "assets_district", /assets/lending/)."""
from django.urls import path

from . import views_district

urlpatterns = [
    path("", views_district.district_filed, name="lending_filed"),
]
