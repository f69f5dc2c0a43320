from django.urls import path

from . import views

app_name = "tenants"
urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("new/", views.unit_create, name="unit_create"),
    path("import/", views.unit_bulk, name="unit_bulk"),
    path("import/template.xlsx", views.unit_bulk_template, name="unit_bulk_template"),
    path("import/<int:pk>/", views.unit_bulk_job, name="unit_bulk_job"),
    path("import/<int:pk>/resume/", views.unit_bulk_resume, name="unit_bulk_resume"),
    path("<int:pk>/", views.unit_detail, name="unit_detail"),
    path("<int:pk>/modules/<slug:key>/", views.unit_module_toggle, name="unit_module_toggle"),
    path("<int:pk>/status/", views.unit_status, name="unit_status"),
    path("<int:pk>/invite/", views.unit_invite, name="unit_invite"),
]
