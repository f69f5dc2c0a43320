from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.approval_list, name="list"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/act/", views.request_act, name="act"),
    path("new/<str:type_key>/<int:subject_id>/", views.submit, name="submit"),
    path("chains/", views.chain_list, name="chains"),
    path("chains/<str:type_key>/", views.chain_edit, name="chain_edit"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/revoke/", views.delegation_revoke, name="delegation_revoke"),
]
