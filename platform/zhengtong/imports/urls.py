from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<int:pk>/status.json", views.job_status, name="job_status"),
    path("jobs/<int:pk>/problems.xlsx", views.job_problems, name="job_problems"),
    path("export/<str:key>.<str:fmt>", views.export, name="export"),
    path("<str:key>/", views.upload, name="upload"),
    path("<str:key>/template.xlsx", views.template, name="template"),
]
