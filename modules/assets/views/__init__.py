"""Unit-portal pages of the assets module, one file per feature (district-portal pages of the
bureau's side of quotas and budgets sit with their feature; the roll-up's in views_district.py):

- cards.py  — asset cards: list, register, edit, status, disposal, department heads;
- quota.py  — allocation quotas (两上两下) and acquisition requests, both sides;
- budget.py — the annual asset allocation budget, both sides.
"""
from .budget import budget_detail, budget_list, bureau_budget, bureau_budgets
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
from .quota import (
    acquisition_list,
    bureau_acquisition_decide,
    bureau_step,
    bureau_unit,
    bureau_units,
    quota_list,
    quota_step,
)

__all__ = [
    "acquisition_list", "asset_create", "asset_detail", "asset_disposal_record", "asset_disposal_request",
    "asset_edit", "asset_list", "asset_status", "budget_detail", "budget_list", "bureau_acquisition_decide",
    "bureau_budget", "bureau_budgets", "bureau_step", "bureau_unit", "bureau_units", "department_head_list",
    "department_head_remove", "quota_list", "quota_step",
]
