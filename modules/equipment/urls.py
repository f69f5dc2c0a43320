from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.my_equipment, name="my_equipment"),
    path("devices/", views.device_list, name="device_list"),
    path("devices/new/", views.device_create, name="device_create"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("devices/<int:pk>/edit/", views.device_edit, name="device_edit"),
    path("devices/<int:pk>/label/", views.device_label, name="device_label"),
    path("devices/<int:pk>/inspect/", views.device_inspect, name="device_inspect"),
    path("devices/<int:pk>/act/<slug:action>/", views.device_act, name="device_act"),
    path("q/<str:token>/", views.quick, name="quick"),
    path("checkouts/<int:pk>/checkin/", views.checkin, name="checkin"),
    path("places/", views.place_list, name="place_list"),
    path("places/new/", views.place_create, name="place_create"),
    path("places/<int:pk>/", views.place_detail, name="place_detail"),
    path("places/<int:pk>/edit/", views.place_edit, name="place_edit"),
    path("types/", views.type_list, name="type_list"),
    path("types/new/", views.type_create, name="type_create"),
    path("types/<int:pk>/", views.type_detail, name="type_detail"),
    path("training/", views.training_list, name="training_list"),
    path("training/new/", views.course_create, name="course_create"),
    path("training/<int:pk>/", views.course_detail, name="course_detail"),
    path("training/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("training/<int:pk>/questions/", views.question_add, name="question_add"),
    path("training/<int:pk>/questions/<int:question_id>/remove/", views.question_remove, name="question_remove"),
    path("repairs/", views.ticket_list, name="ticket_list"),
    path("repairs/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("repairs/<int:pk>/status/", views.ticket_status, name="ticket_status"),
    path("maintenance/", views.maintenance_list, name="maintenance_list"),
    path("custody/", include("modules.equipment.custody.urls")),  # e2custody: keys, hand-overs, damage, evaluations
]
