from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("<slug:key>/rules/", views.rules_edit, name="rules"),
]
