from django.urls import path

from . import views

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/members/", views.member_add, name="member_add"),
    path("<int:pk>/submit/", views.project_submit, name="submit"),
    path("<int:pk>/notice/", views.project_notice, name="notice"),
]
