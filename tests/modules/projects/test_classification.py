"""The class from the estimated investment at the essay's bounds (篇六 第三条, inclusive below), and
the bounds as the module admin's rules."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from zhengtong.core.errors import Invalid, Refused


@pytest.mark.parametrize(("investment", "expected"), [
    ("1.00", "general"),
    ("500000.00", "general"),
    ("500000.01", "large"),
    ("10000000.00", "large"),
    ("10000000.01", "major"),
])
def test_class_at_the_bounds(alpha, people, apply, investment, expected):
    assert apply(alpha, people.staff, investment).project_class == expected


def test_a_rules_change_moves_the_bound(alpha, people, apply):
    from modules.projects.manifest import MANIFEST
    from zhengtong.registry.rules import module_rules_update

    assert apply(alpha, people.staff, "800000.00").project_class == "large"
    with schema_context(alpha.schema_name):
        module_rules_update(manifest=MANIFEST, actor=people.admin,
                            values={"general_max": Decimal("1000000.00"), "large_max": Decimal("10000000.00")})
    assert apply(alpha, people.staff, "800000.00").project_class == "general"
    assert apply(alpha, people.staff, "1000000.01").project_class == "large"


def test_the_large_bound_must_stay_above_the_general_one(alpha, people):
    from modules.projects.manifest import MANIFEST
    from zhengtong.registry.rules import module_rules_update

    with schema_context(alpha.schema_name), pytest.raises(Exception) as caught:
        module_rules_update(manifest=MANIFEST, actor=people.admin,
                            values={"general_max": Decimal("2000000.00"), "large_max": Decimal("1000000.00")})
    assert "大型项目上限必须高于一般项目上限" in str(caught.value)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("estimated_investment", "0", "投资估算须大于零"),
    ("estimated_investment", "-5", "投资估算须大于零"),
    ("estimated_investment", "一百万", "投资估算须大于零"),
    ("name", "   ", "请填写项目名称"),
    ("year", "明年", "请填写计划年度"),
    ("scope", "garden", "请选择项目范围"),
])
def test_bad_input_is_refused_with_the_reason_by_field(alpha, people, field, value, message):
    from modules.projects.services import project_create

    data = {"name": "网络改造", "scope": "network", "kind": "rebuild", "estimated_investment": Decimal("100")}
    data[field] = value
    with schema_context(alpha.schema_name), pytest.raises(Invalid) as caught:
        project_create(actor=people.staff, **data)
    assert message in str(caught.value.message_dict[field])


def test_finance_may_not_apply(alpha, people):
    from modules.projects.services import project_create

    with schema_context(alpha.schema_name), pytest.raises(Refused):
        project_create(actor=people.finance, name="机房改造", scope="network", kind="rebuild",
                       estimated_investment=Decimal("100"))
