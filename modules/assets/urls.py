from django.urls import include, path

from . import views
from .stocktake import urls as stocktake_urls

urlpatterns = [
    path("stocktake/", include((stocktake_urls.urlpatterns, "stocktake"))),
    path("labels/", include((stocktake_urls.label_urlpatterns, "labels"))),
    path("pool/", include("modules.assets.pool.urls")),
    path("lending/", include("modules.assets.leasing.urls")),
    path("", views.asset_list, name="list"),
    path("new/", views.asset_create, name="create"),
    path("<int:pk>/", views.asset_detail, name="detail"),
    path("<int:pk>/edit/", views.asset_edit, name="edit"),
    path("<int:pk>/status/", views.asset_status, name="status"),
    path("<int:pk>/disposal/", views.asset_disposal_record, name="disposal_record"),
    path("<int:pk>/disposal/request/", views.asset_disposal_request, name="disposal_request"),
    path("department-heads/", views.department_head_list, name="department_heads"),
    path("department-heads/<int:pk>/remove/", views.department_head_remove, name="department_head_remove"),
    path("quotas/", views.quota_list, name="quotas"),
    path("quotas/<int:pk>/step/", views.quota_step, name="quota_step"),
    path("acquisitions/", views.acquisition_list, name="acquisitions"),
    path("budget/", views.budget_list, name="budgets"),
    path("budget/<int:year>/", views.budget_detail, name="budget"),
]
