"""Unit-portal pages of the assets module, one file per feature (the district portal's are in
views_district.py):

- cards.py  — asset cards: list, register, edit, status, disposal, department heads;
- quota.py  — allocation quotas (两上两下) and acquisition requests;
- budget.py — the annual asset allocation budget.
"""
from .budget import budget_detail, budget_list
from .cards import (
    asset_create,
    asset_detail,
    asset_disposal_record,
    asset_disposal_request,
    asset_edit,
    asset_list,
    asset_status,
    department_head_list,
    department_head_remove,
)
from .quota import acquisition_list, quota_list, quota_step

__all__ = [
    "acquisition_list", "asset_create", "asset_detail", "asset_disposal_record", "asset_disposal_request",
    "asset_edit", "asset_list", "asset_status", "budget_detail", "budget_list", "department_head_list",
    "department_head_remove", "quota_list", "quota_step",
]
