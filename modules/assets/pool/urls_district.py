"""Included from modules/assets/urls_district.py (namespace "assets_district", /assets/pool/)."""
from django.urls import path

from . import views_district

urlpatterns = [
    path("", views_district.district_pool, name="pool"),
    path("transfers/<int:pk>/", views_district.district_transfer, name="pool_transfer"),
    path("transfers/<int:pk>/decide/", views_district.district_decide, name="pool_decide"),
]
