"""Tenancy pages on a unit's host (mounted by zhengtong.urls_tenant): the unit's members and roles."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.members, name="members"),
    path("invite/", views.member_invite, name="member_invite"),
    path("<int:user_id>/roles/", views.member_roles, name="member_roles"),
]
