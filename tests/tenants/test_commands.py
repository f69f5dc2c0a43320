"""Shell commands an operator uses, and the template schema staying current."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context

from tenants.models import Unit, UnitModule


def test_create_unit_command(db):
    out = StringIO()
    call_command("create_unit", "cmdunit", "命令行创建的单位", "--type", "school", "--modules", "assets",
                 "--admin-email", "head@cmd.cn", stdout=out)
    unit = Unit.objects.get(slug="cmdunit")
    assert unit.unit_type == "school" and unit.primary_host == "cmdunit.zt.test"
    assert UnitModule.objects.filter(unit=unit, module_key="assets", enabled=True).exists()
    assert "/invite/" in out.getvalue()
    with pytest.raises(CommandError, match="已被占用"):
        call_command("create_unit", "cmdunit", "重复", stdout=StringIO())


def test_create_district_is_idempotent(db):
    out = StringIO()
    call_command("create_district", "测试区", "110199", stdout=out)
    call_command("create_district", "测试区", "110199", stdout=out)
    assert Unit.objects.filter(schema_name="public").count() == 1


def test_unit_created_after_a_new_migration_has_it(db):
    """The template is migrated by migrate_platform, so a unit cloned afterwards is current.

    Simulated by unapplying the assets migrations on the template (as if they were new),
    then running the deploy step and onboarding a unit."""
    from tenants.services import unit_onboard

    call_command("migrate_schemas", "assets", "zero", schema_name="unit_template", interactive=False, verbosity=0)
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('unit_template.assets_asset')")
        assert cur.fetchone()[0] is None
    call_command("migrate_platform", verbosity=0, skip_units=True)
    unit = unit_onboard(name="新迁移后的单位", slug="afternew", module_keys=["assets"], check_actor=False,
                        send_invite=False).unit
    with schema_context(unit.schema_name):
        from modules.assets.models import Asset

        assert Asset.objects.count() == 0  # the table exists and is usable
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM u_afternew.django_migrations WHERE app = 'assets'")
        assert cur.fetchone()[0] >= 1
