from django.urls import include, path

from . import views

urlpatterns = [
    path("custody/", include("modules.equipment.custody.urls")),  # e2custody: keys, hand-overs, damage, evaluations
]
