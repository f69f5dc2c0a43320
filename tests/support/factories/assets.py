"""Asset cards registered as the card page registers them (modules.assets.services.asset_register:
numbered per year, custodian's object permissions, audited)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from modules.assets.models import Asset

from ._base import InUnitFactory


class AssetFactory(InUnitFactory):
    class Meta:
        model = Asset

    class Params:
        actor_roles = ("assets.asset_officer",)

    name = "台式计算机"
    original_value = Decimal("5000.00")
    acquired_on = date(2024, 1, 15)
    category = "通用设备"

    _service = "modules.assets.services:asset_register"
