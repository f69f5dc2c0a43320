from django.urls import path

from . import views
from .exchange.urls import urlpatterns as exchange_urlpatterns

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("me/", views.my_record, name="my_record"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("people/<int:pk>/transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/handover/add/", views.handover_add, name="handover_add"),
    path("transfers/<int:pk>/handover/refresh/", views.handover_refresh, name="handover_refresh"),
    path("transfers/<int:pk>/handover/override/", views.handover_override, name="handover_override"),
    path("transfers/<int:pk>/handover/<int:item_pk>/done/", views.handover_done, name="handover_done"),
    path("transfers/<int:pk>/reverse/", views.transfer_reverse, name="transfer_reverse"),
    path("transfers/<int:pk>/secondment-end/", views.secondment_end, name="secondment_end"),
    path("organisation/", views.organisation, name="organisation"),
    path("organisation/departments/new/", views.department_create, name="department_create"),
    path("organisation/departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("organisation/posts/new/", views.post_create, name="post_create"),
    path("organisation/posts/<int:pk>/establishment/", views.post_establishment, name="post_establishment"),
    path("figures/", views.figures, name="figures"),
    # Cross-unit transfers: the exchange sub-feature's pages (modules/personnel/exchange/urls.py).
    *exchange_urlpatterns,
]
