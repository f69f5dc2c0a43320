"""The trail is read, exported and verified here — never edited: there is no URL that
changes or deletes an event."""
from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.trail, name="trail"),
    path("export/csv/", views.trail_export, {"fmt": "csv"}, name="export_csv"),
    path("export/xlsx/", views.trail_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("verify/", views.trail_verify, name="verify"),
]
