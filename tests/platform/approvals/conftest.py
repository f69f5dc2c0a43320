import pytest


@pytest.fixture
def staff(alpha, make_user):
    """An asset officer who files requests, two unit heads, a district finance officer."""
    return {
        "officer": make_user(alpha, ["assets.asset_officer"], name="王资产"),
        "head": make_user(alpha, ["platform.unit_admin"], name="李局长"),
        "deputy": make_user(alpha, ["platform.unit_admin"], name="赵副局长"),
        "finance": make_user(district_roles=["district.finance_bureau"], name="周财政"),
    }
