"""Demo data for the assets module: thirty cards in each demo unit, registered by its asset officer
(the unit administrator where there is none) and held by the bureau's custodians.

Called from ``manage.py seed_demo`` (manifest ``demo``). Idempotent: a unit that already has cards
is left as it is. Cards are registered through the services, so their audit trail and object
permissions are the real ones.
"""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.db import transaction
from django_tenants.utils import schema_context

from zhengtong.registry.manifest import DemoDistrict

ASSET_NAMES = [("台式计算机", "办公设备", "5200.00"), ("笔记本电脑", "办公设备", "7800.00"),
               ("激光打印机", "办公设备", "2300.00"), ("投影仪", "教学设备", "4600.00"),
               ("办公桌", "家具", "1200.00"), ("文件柜", "家具", "900.00"), ("交换机", "网络设备", "15800.00"),
               ("空调", "通用设备", "4300.00"), ("公务用车", "车辆", "186000.00"), ("服务器", "网络设备", "68000.00")]


@transaction.atomic
def seed(district: DemoDistrict) -> None:
    from .models import Asset
    from .services import asset_register

    users = district.users
    rng = random.Random(20261126)
    officers = {"jyj": users["jyj-officer"], "syxx": users["zhang"], "wjj": None}
    custodians = {"jyj": [users["jyj-custodian"], users["zhang"], users["jyj-head"]], "syxx": [], "wjj": []}
    for slug, unit in district.units.items():
        with schema_context(unit.schema_name):
            if Asset.objects.exists():
                continue
            actor = officers[slug] or users[f"{slug}-admin"]
            for i in range(30):
                name, cls, value = ASSET_NAMES[i % len(ASSET_NAMES)]
                asset_register(
                    actor=actor, name=name, category=cls, original_value=Decimal(value),
                    acquired_on=date(2018 + rng.randrange(7), rng.randrange(1, 13), rng.randrange(1, 28)),
                    department=rng.choice(["办公室", "财务科", "信息中心", "教研室"]),
                    location=rng.choice(["行政楼201", "行政楼305", "教学楼A102", "机房"]),
                    custodian=rng.choice(custodians[slug]) if custodians[slug] else None,
                )
