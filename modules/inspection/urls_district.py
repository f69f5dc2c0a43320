"""District portal URLs of the inspection module (included from zhengtong/urls_public.py)."""
from django.urls import path

from . import views_district

app_name = "inspection_district"

urlpatterns = [
    path("", views_district.overview, name="overview"),
]
