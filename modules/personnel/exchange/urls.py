"""Unit pages of the cross-unit transfers, under /m/personnel/exchange/ (added to
modules/personnel/urls.py, so the names are "personnel:exchange_*")."""
from django.urls import path

from . import views

urlpatterns = [
    path("exchange/", views.exchange_list, name="exchange_list"),
    path("exchange/new/", views.exchange_issue, name="exchange_issue"),
    path("exchange/<int:pk>/", views.exchange_detail, name="exchange_detail"),
    path("exchange/<int:pk>/accept/", views.exchange_accept, name="exchange_accept"),
    path("exchange/<int:pk>/decline/", views.exchange_decline, name="exchange_decline"),
    path("exchange/<int:pk>/withdraw/", views.exchange_withdraw, name="exchange_withdraw"),
    path("exchange/<int:pk>/order/", views.exchange_order, name="exchange_order"),
    path("exchange/<int:pk>/handover-override/", views.exchange_handover_override, name="exchange_handover_override"),
]
