"""Stocktake pages, mounted at /m/assets/stocktake/ (namespace assets:stocktake) and the label
sheet at /m/assets/labels/ (assets:labels), inside the assets module so its gate applies."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/report/", views.campaign_report, name="report"),
    path("<int:pk>/count/", views.count, name="count"),
    path("<int:pk>/lines/<int:line_id>/", views.line_count, name="line_count"),
    path("<int:pk>/surplus/", views.surplus_add, name="surplus_add"),
    path("<int:pk>/counters/", views.counters, name="counters"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/objections/", views.objection_raise, name="objection_raise"),
    path("<int:pk>/objections/<int:objection_id>/answer/", views.objection_answer, name="objection_answer"),
    path("<int:pk>/adjust/", views.adjust, name="adjust"),
    path("<int:pk>/close/", views.close, name="close"),
]

label_urlpatterns = [
    path("", views.label_sheet, name="sheet"),
]
