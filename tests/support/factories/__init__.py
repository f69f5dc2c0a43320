"""Factories (factory_boy) that make test data the way the product makes it: each one calls the
service a page or an import calls, in the unit's schema, so the audit trail, the numbering, the
object permissions and the module's rules apply to test data too. A test that is about a
refusal or an odd row still writes that row by hand; everything else starts from these.

    unit = UnitFactory(module_keys=["assets"])              # onboarded: schema, modules, audit
    officer = MemberFactory(unit=unit, roles=["assets.asset_officer"])
    card = AssetFactory(unit=unit, actor=officer, name="台式计算机")

Units and members live in public tables and schemas: in a test that uses the per-test
transaction (``db``) they are rolled back with it; committed ones are dropped by
tests/support/committed.py.
"""
from .assets import AssetFactory
from .equipment import DeviceFactory, DeviceTypeFactory, PlaceFactory
from .inspection import TaxpayerFactory
from .personnel import DepartmentFactory, PersonFactory, PostFactory
from .platform import MemberFactory, UnitFactory, UserFactory

__all__ = [
    "AssetFactory",
    "DepartmentFactory",
    "DeviceFactory",
    "DeviceTypeFactory",
    "MemberFactory",
    "PersonFactory",
    "PlaceFactory",
    "PostFactory",
    "TaxpayerFactory",
    "UnitFactory",
    "UserFactory",
]
