"""Included from modules/assets/urls.py (namespace "assets", under /m/assets/lending/)."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.lending_list, name="lending_list"),
    path("new/", views.lending_create, name="lending_create"),
    path("<int:pk>/", views.lending_detail, name="lending_detail"),
    path("<int:pk>/income/", views.lending_income, name="lending_income"),
    path("<int:pk>/file/", views.lending_file, name="lending_file"),
    path("<int:pk>/return/", views.lending_return, name="lending_return"),
]
