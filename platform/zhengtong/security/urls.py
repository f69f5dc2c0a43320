from django.urls import path

from . import views

app_name = "security"
urlpatterns = [
    path("", views.index, name="index"),
    path("policy/", views.policy, name="policy"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/<int:pk>/unlock/", views.unlock, name="unlock"),
    path("two-factor/reset/", views.two_factor_reset, name="two_factor_reset"),
    path("roles/", views.role_changes, name="role_changes"),
    path("roles/<int:pk>/decide/", views.role_request_decide, name="role_request_decide"),
]
