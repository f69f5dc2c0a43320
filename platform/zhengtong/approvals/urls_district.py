from django.urls import path

from . import views_district as views

app_name = "district_approvals"
urlpatterns = [
    path("", views.district_list, name="list"),
    path("delegations/", views.district_delegations, name="delegations"),
    path("delegations/<int:pk>/revoke/", views.district_delegation_revoke, name="delegation_revoke"),
    path("<slug:slug>/<int:pk>/", views.district_detail, name="detail"),
    path("<slug:slug>/<int:pk>/act/", views.district_act, name="act"),
]
