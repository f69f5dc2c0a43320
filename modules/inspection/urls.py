from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("candidates/", views.candidates, name="candidates"),
    path("candidates/select/", views.candidate_select, name="candidate_select"),
    path("candidates/export.xlsx", views.candidates_export, name="candidates_export"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_manual, name="case_manual"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/act/<slug:action>/", views.case_action, name="case_action"),
    path("cases/<int:pk>/documents/<str:key>/", views.case_document, name="case_document"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("entities/", views.entity_list, name="entity_list"),
    path("entities/new/", views.entity_create, name="entity_create"),
    path("entities/import/", views.filings_import, name="filings_import"),
    path("entities/import/template.xlsx", views.filings_template, name="filings_template"),
    path("entities/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("benchmarks/", views.benchmark_list, name="benchmark_list"),
    path("benchmarks/import/", views.benchmarks_import, name="benchmarks_import"),
    path("regulations/", views.regulation_list, name="regulation_list"),
    path("regulations/new/", views.regulation_create, name="regulation_create"),
    path("regulations/<int:pk>/", views.regulation_detail, name="regulation_detail"),
]
