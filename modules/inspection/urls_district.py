"""District portal URLs of the inspection module (mounted at /<key>/ from the manifest's district_urls)."""
from django.urls import path

from . import views_district

app_name = "inspection_district"

urlpatterns = [
    path("", views_district.overview, name="overview"),
]
