"""The invitation link on the district portal's host (mounted at /invite/ by zhengtong.urls_public)."""
from django.urls import path

from . import views

urlpatterns = [
    path("<str:token>/", views.invitation, name="invitation"),
]
