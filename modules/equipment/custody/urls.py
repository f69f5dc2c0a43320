"""Included by modules/equipment/urls.py under ``custody/``; names join the ``equipment`` namespace."""
from django.urls import path

from . import views

urlpatterns = [
    path("keys/", views.custody_list, name="custody_list"),
    path("keys/new/", views.custody_create, name="custody_create"),
    path("keys/<int:pk>/", views.custody_detail, name="custody_detail"),
    path("keys/<int:pk>/<slug:action>/", views.custody_move, name="custody_move"),
    path("handovers/", views.handover_list, name="handover_list"),
    path("handovers/new/", views.handover_start, name="handover_start"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handovers/<int:pk>/<slug:action>/", views.handover_action, name="handover_action"),
    path("damage/", views.damage_list, name="damage_list"),
    path("damage/new/", views.damage_create, name="damage_create"),
    path("damage/<int:pk>/", views.damage_detail, name="damage_detail"),
    path("damage/<int:pk>/edit/", views.damage_edit, name="damage_edit"),
    path("damage/<int:pk>/shares/", views.damage_shares, name="damage_shares"),
    path("damage/<int:pk>/payments/<int:share_pk>/", views.damage_payment, name="damage_payment"),
    path("evaluations/", views.evaluation_home, name="evaluation_home"),
    path("evaluations/setup/", views.evaluation_setup, name="evaluation_setup"),
    path("evaluations/trends/", views.evaluation_trends, name="evaluation_trends"),
    path("evaluations/semesters/<int:semester_pk>/start/", views.evaluation_start, name="evaluation_start"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
]
