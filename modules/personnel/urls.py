from django.urls import path  # noqa: F401

urlpatterns: list = []

# Cross-unit transfers and reports (p2exchange): modules/personnel/exchange_views.py
from .exchange_views import urlpatterns as exchange_urlpatterns  # noqa: E402

urlpatterns += exchange_urlpatterns
