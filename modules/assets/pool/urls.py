"""Included from modules/assets/urls.py (namespace "assets", under /m/assets/pool/)."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.pool_list, name="pool_list"),
    path("idle/", views.pool_idle, name="pool_idle"),
    path("idle/<int:asset_pk>/publish/", views.pool_publish, name="pool_publish"),
    path("listings/<int:pk>/withdraw/", views.pool_withdraw, name="pool_withdraw"),
    path("listings/<int:pk>/request/", views.pool_request, name="pool_request"),
    path("transfers/<int:pk>/", views.pool_transfer, name="pool_transfer"),
    path("transfers/<int:pk>/decide/", views.pool_decide, name="pool_decide"),
]
