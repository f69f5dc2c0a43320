"""Fixtures for stocktakes: the people of unit alpha and a small, known set of asset cards."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

OFFICER = "assets.asset_officer"
UNIT_ADMIN = "platform.unit_admin"
CUSTODIAN = "assets.custodian"


def D(x: str) -> Decimal:
    return Decimal(x)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def people(alpha, make_user):
    @dataclass
    class People:
        officer: object
        head: object
        counter: object
        counter2: object
        staff: object
        holder2: object
        finance: object

    return People(
        officer=make_user(alpha, [OFFICER], name="王资产"),
        head=make_user(alpha, [UNIT_ADMIN], name="李局长"),
        counter=make_user(alpha, [CUSTODIAN], name="张盘点"),
        counter2=make_user(alpha, [CUSTODIAN], name="刘盘点"),
        staff=make_user(alpha, [CUSTODIAN], name="陈职员"),
        holder2=make_user(alpha, [CUSTODIAN], name="周使用"),
        finance=make_user(district_roles=["district.finance_bureau"], name="吴财政"),
    )


def card(unit, *, number, name, value, depreciation="0.00", location="", department="", custodian=None,
         status="in_use", pk=None):
    from modules.assets.models import Asset
    from modules.assets.services import _set_custodian_grants

    with schema_context(unit.schema_name):
        asset = Asset.objects.create(pk=pk, number=number, name=name, original_value=D(value),
                                     accumulated_depreciation=D(depreciation), acquired_on=date(2022, 3, 1),
                                     location=location, department=department, custodian=custodian, status=status)
        _set_custodian_grants(asset, None, custodian)
    return asset


@pytest.fixture
def books(alpha, people):
    """Five cards on alpha's books (and one disposed, which no stocktake counts)."""
    return {
        "desktop": card(alpha, number="ALPHA-ST-001", name="台式计算机", value="5000.00", depreciation="1000.00",
                        location="301室", department="办公室", custodian=people.staff),
        "printer": card(alpha, number="ALPHA-ST-002", name="激光打印机", value="3200.00", depreciation="3200.00",
                        location="301室", department="办公室"),
        "laptop": card(alpha, number="ALPHA-ST-003", name="笔记本电脑", value="8000.00", depreciation="2000.00",
                       location="302室", department="财务科", custodian=people.staff),
        "chair": card(alpha, number="ALPHA-ST-004", name="办公椅", value="1200.00", location="303室",
                      department="财务科", custodian=people.staff),
        "car": card(alpha, number="ALPHA-ST-005", name="公务用车", value="180000.00", depreciation="36000.00",
                    location="车库", department="办公室"),
        "old": card(alpha, number="ALPHA-ST-006", name="旧传真机", value="900.00", status="disposed"),
    }


def start(unit, actor, counters, **kw):
    from modules.assets.stocktake import services

    with schema_context(unit.schema_name):
        return services.campaign_start(actor=actor, title=kw.pop("title", "2026年度资产清查"),
                                       deadline=kw.pop("deadline", timezone.localdate() + timedelta(days=14)),
                                       counters=counters, **kw)


def line_of(campaign, asset):
    return campaign.lines.get(asset_id=asset.pk)
