from django.urls import path

from . import views

app_name = "files"
urlpatterns = [
    path("<int:pk>/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("upload/<str:use_key>/<int:owner_id>/", views.upload, name="upload"),
]
