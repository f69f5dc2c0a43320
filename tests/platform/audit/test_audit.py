"""The audit trail: every change of module data recorded by the database (bulk updates
included), one hash chain per unit whoever writes, tamper evidence, fail-closed writes,
retention with a verifiable anchor, and the trail's own protection."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST
from tests.support.audit import age_events, q, raw, tamper
from zhengtong.audit import database
from zhengtong.audit.context import acting_as
from zhengtong.audit.models import AuditEvent
from zhengtong.audit.services import audit_purge, audit_record, verify_chain, verify_trail


def data_events(schema: str, **filters):
    with schema_context(schema):
        return list(AuditEvent.objects.filter(action__startswith="data.", **filters).order_by("id"))


# ----------------------------------------------------------------------- change triggers

def test_bulk_update_and_delete_write_one_event_per_row_with_who_and_where(alpha, make_user, make_asset):
    officer = make_user(alpha, ["assets.asset_officer"], name="资产员甲")
    assets = [make_asset(alpha, name=f"打印机{i}") for i in range(3)]
    ids = [a.pk for a in assets]
    with schema_context("u_alpha"):
        with acting_as(officer, ip="10.1.2.3"):
            from modules.assets.models import Asset

            changed = Asset.objects.filter(pk__in=ids).update(location="三楼机房", original_value=Decimal("4200.50"))
            assert changed == 3
            Asset.objects.filter(pk__in=ids[:2]).delete()

    updates = data_events("u_alpha", object_type="assets.Asset", action="data.update", object_id__in=map(str, ids))
    assert len(updates) == 3
    for e in updates:
        assert e.actor_id == officer.pk and e.actor_label == str(officer)
        assert e.ip == "10.1.2.3" and e.unit_schema == "u_alpha" and e.result == "success"
        assert e.after == {"location": "三楼机房", "original_value": 4200.50}
        assert e.before == {"location": "", "original_value": 5000.00}
        assert "updated_at" not in e.after  # excluded: Django's timestamp is not a change
        assert e.occurred_at.utcoffset() == timedelta(0) and timezone.now() - e.occurred_at < timedelta(minutes=5)
    deletes = data_events("u_alpha", action="data.delete", object_id__in=map(str, ids))
    assert sorted(int(e.object_id) for e in deletes) == sorted(ids[:2])
    assert deletes[0].before["name"].startswith("打印机") and deletes[0].after is None
    assert deletes[0].object_repr.endswith(deletes[0].before["name"])  # "<number> <name>"
    creates = data_events("u_alpha", action="data.create", object_id__in=map(str, ids))
    assert len(creates) == 3 and creates[0].after["original_value"] == 5000.00
    with schema_context("u_alpha"):
        assert verify_trail().ok


def test_bulk_create_and_a_changed_primary_key_are_recorded_too(alpha):
    from modules.assets.models import Asset

    with schema_context("u_alpha"):
        made = Asset.objects.bulk_create(
            Asset(number=f"BULK-{i}", name="椅子", original_value=Decimal("300.00"), acquired_on=date(2024, 5, 1))
            for i in range(3))
        raw("UPDATE assets_asset SET id = %s WHERE id = %s", [made[0].pk + 100000, made[0].pk])
    creates = data_events("u_alpha", action="data.create", object_repr__startswith="BULK-")
    assert sorted(e.object_repr for e in creates) == ["BULK-0 椅子", "BULK-1 椅子", "BULK-2 椅子"]
    moved = data_events("u_alpha", action="data.update", object_repr="BULK-0 椅子")
    assert {e.object_id for e in moved} == {str(made[0].pk), str(made[0].pk + 100000)}
    assert {(e.before or {}).get("id") for e in moved} == {made[0].pk, None}


def test_a_rolled_back_savepoint_leaves_the_chain_whole(alpha, make_asset):
    from modules.assets.models import Asset

    assets = [make_asset(alpha) for _ in range(3)]
    with schema_context("u_alpha"):
        audit_record(action="test.before-savepoint")
        with pytest.raises(RuntimeError), transaction.atomic():
            Asset.objects.filter(pk__in=[a.pk for a in assets]).update(location="不会保存")
            audit_record(action="test.inside-savepoint")
            raise RuntimeError("the user cancelled")
        Asset.objects.filter(pk=assets[0].pk).update(location="保存了")
        audit_record(action="test.after-savepoint")
        assert not AuditEvent.objects.filter(action="test.inside-savepoint").exists()
        assert AuditEvent.objects.filter(action="data.update", after__location="保存了").count() == 1
        assert verify_trail().ok


def test_a_save_that_changes_nothing_audited_writes_no_event(alpha, make_asset):
    asset = make_asset(alpha)
    with schema_context("u_alpha"):
        before = AuditEvent.objects.count()
        asset.save()  # rewrites every column; only updated_at actually moves
        assert AuditEvent.objects.count() == before


def test_a_change_through_the_web_carries_the_users_id_and_ip(alpha, make_user, client_for):
    officer = make_user(alpha, ["assets.asset_officer"])
    client = client_for(officer, ALPHA_HOST)
    response = client.post("/m/assets/new/", {"name": "投影仪", "original_value": "3999.00",
                                              "acquired_on": "2024-03-01"}, REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 302
    [event] = data_events("u_alpha", action="data.create", object_repr__contains="投影仪")
    assert (event.actor_id, event.ip, event.unit_schema) == (officer.pk, "192.0.2.44", "u_alpha")
    assert event.after["name"] == "投影仪" and event.after["original_value"] == 3999.00
    # The connection does not carry the actor into whatever runs next.
    assert raw("SELECT current_setting('zt.actor_id', true), current_setting('zt.ip', true)") == [("", "")]


def test_trigger_events_land_in_the_changed_rows_unit_whatever_the_search_path(alpha, beta, make_asset):
    a = make_asset(alpha, pk=7001, name="甲的电脑")
    b = make_asset(beta, pk=7001, name="乙的电脑")  # same id in both units
    # A maintenance session pointed at alpha changes beta's row by its qualified name.
    raw("SET search_path TO u_alpha, public")
    raw("UPDATE u_beta.assets_asset SET location = '乙仓库' WHERE id = %s", [b.pk])
    connection.set_schema_to_public()
    [in_beta] = data_events("u_beta", action="data.update", object_id="7001")
    assert in_beta.after == {"location": "乙仓库"} and in_beta.unit_schema == "u_beta"
    assert data_events("u_alpha", action="data.update", object_id=str(a.pk)) == []


# ----------------------------------------------------------------------- the chain

def test_python_and_trigger_events_share_one_verifiable_chain(alpha, make_user, make_asset):
    user = make_user(alpha, [])
    with schema_context("u_alpha"):
        e1 = audit_record(action="test.first", actor=user, object_repr="一")
        assert e1.pk and e1.unit_schema == "u_alpha" and len(e1.hash) == 64
        earlier = AuditEvent.objects.filter(pk__lt=e1.pk).order_by("-id").values_list("hash", flat=True).first()
        assert e1.prev_hash == (earlier or database.GENESIS)
    asset = make_asset(alpha)
    with schema_context("u_alpha"):
        e3 = audit_record(action="test.third", actor=user)
        trigger_event = AuditEvent.objects.get(action="data.create", object_id=str(asset.pk))
        assert e1.pk < trigger_event.pk < e3.pk
        assert trigger_event.prev_hash == e1.hash and e3.prev_hash == trigger_event.hash
        checked, broken, reason = verify_chain()
        assert broken is None and reason == "" and checked == AuditEvent.objects.count()


def test_the_writer_cannot_backdate_or_misfile_an_event(alpha):
    with schema_context("u_alpha"):
        e = AuditEvent.objects.create(action="test.forged", occurred_at=timezone.now() - timedelta(days=400),
                                      unit_schema="u_beta", prev_hash="f" * 64, hash="e" * 64)
        e.refresh_from_db()
        assert timezone.now() - e.occurred_at < timedelta(minutes=5)
        assert e.unit_schema == "u_alpha" and e.prev_hash != "f" * 64 and e.hash != "e" * 64
        assert verify_trail().ok


def test_events_cannot_be_changed_or_deleted_by_sql(alpha):
    with schema_context("u_alpha"):
        e = audit_record(action="test.keep")
    for sql in ("UPDATE u_alpha.audit_auditevent SET detail = 'x' WHERE id = %s",
                "DELETE FROM u_alpha.audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="cannot be (changed|deleted)"), transaction.atomic():
            raw(sql, [e.pk])
    # Not even with the purge's marker, for an event younger than the legal floor.
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        raw("SELECT set_config('zt.audit_purge_cutoff', (now() + interval '1 day')::text, true)")
        raw("DELETE FROM u_alpha.audit_auditevent WHERE id = %s", [e.pk])


def test_verify_audit_names_an_edited_event(alpha):
    with schema_context("u_alpha"):
        events = [audit_record(action=f"test.e{i}", object_repr=f"记录{i}") for i in range(4)]
    target = events[1]
    tamper("u_alpha", "UPDATE u_alpha.audit_auditevent SET object_repr = '改过的' WHERE id = %s", [target.pk])
    out = io.StringIO()
    with pytest.raises(CommandError, match="u_alpha"):
        call_command("verify_audit", "--schema", "u_alpha", "--schema", "u_beta", stdout=out)
    text = out.getvalue()
    assert f"u_alpha: BROKEN at event #{target.pk}" in text and "content of this event was changed" in text
    assert "test.e1" in text and f"after event #{events[0].pk}" in text
    assert "u_beta: OK" in text  # the other unit's trail is untouched
    with schema_context("u_alpha"):
        checked, broken, reason = verify_chain()
        assert broken.pk == target.pk and "changed" in reason


def test_verify_audit_names_where_an_event_was_deleted(alpha):
    with schema_context("u_alpha"):
        events = [audit_record(action=f"test.d{i}") for i in range(4)]
    tamper("u_alpha", "DELETE FROM u_alpha.audit_auditevent WHERE id = %s", [events[2].pk])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--schema", "u_alpha", stdout=out)
    text = out.getvalue()
    assert f"BROKEN at event #{events[3].pk}" in text and f"after event #{events[1].pk}" in text
    assert "events are missing before this one" in text


def test_verify_audit_reports_a_trail_whose_triggers_are_off(alpha):
    raw("ALTER TABLE u_alpha.assets_asset DISABLE TRIGGER zt_audit_update")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--schema", "u_alpha", stdout=out)
    assert "UNPROTECTED: assets_asset: change trigger zt_audit_update disabled" in out.getvalue()


def test_every_schema_of_the_platform_is_protected_and_intact(alpha, beta):
    schemas = database.trail_schemas()
    assert {"public", "unit_template", "u_alpha", "u_beta"} <= set(schemas)
    for schema in schemas:
        assert database.missing_triggers(schema) == [], schema
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().count(": OK,") == len(schemas)


def test_a_unit_onboarded_later_is_cloned_with_working_triggers(db, make_asset):
    from tenants.services import unit_onboard

    # Even if the template lost a trigger, the new unit gets it (post_schema_sync reinstalls).
    raw("DROP TRIGGER zt_audit_insert ON unit_template.assets_asset")
    unit = unit_onboard(name="丙单位", slug="gamma-audit", module_keys=["assets"], check_actor=False,
                        send_invite=False).unit
    assert database.missing_triggers(unit.schema_name) == []
    asset = make_asset(unit, name="丙的电脑")
    [event] = data_events(unit.schema_name, action="data.create", object_id=str(asset.pk))
    assert event.unit_schema == unit.schema_name
    with schema_context(unit.schema_name):
        assert verify_trail().ok
        assert AuditEvent.objects.filter(action="data.create").count() == 1  # nothing copied from elsewhere


# ----------------------------------------------------------------------- fail closed

def test_if_the_audit_write_fails_the_service_change_rolls_back(alpha, make_user, make_asset):
    from modules.assets.models import Asset
    from modules.assets.services import asset_update

    officer = make_user(alpha, ["assets.asset_officer"])
    asset = make_asset(alpha, name="原名称")
    raw("ALTER TABLE u_alpha.audit_auditevent ADD CONSTRAINT zt_test_refuse"
        " CHECK (action <> 'assets.asset.update') NOT VALID")
    with schema_context("u_alpha"):
        with pytest.raises(IntegrityError), transaction.atomic():
            asset_update(actor=officer, asset=asset, name="新名称")
        assert Asset.objects.get(pk=asset.pk).name == "原名称"


def test_if_the_trigger_cannot_record_a_bulk_update_nothing_changes(alpha, make_asset):
    from modules.assets.models import Asset

    assets = [make_asset(alpha, name="不变") for _ in range(2)]
    raw("ALTER TABLE u_alpha.audit_auditevent ADD CONSTRAINT zt_test_refuse CHECK (action <> 'data.update') NOT VALID")
    with schema_context("u_alpha"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Asset.objects.filter(pk__in=[a.pk for a in assets]).update(name="变了")
        assert set(Asset.objects.filter(pk__in=[a.pk for a in assets]).values_list("name", flat=True)) == {"不变"}


# ----------------------------------------------------------------------- retention

def test_purge_keeps_everything_younger_than_183_days_and_the_chain_verifiable(alpha):
    with schema_context("u_alpha"):
        old = [audit_record(action=f"test.old{i}") for i in range(3)]
        recent = [audit_record(action=f"test.recent{i}") for i in range(2)]
    age_events("u_alpha", old[-1].pk, days=200)   # everything up to old[-1]: 200 days ago
    raw("ALTER TABLE u_alpha.audit_auditevent DISABLE TRIGGER zt_audit_guard")
    raw("UPDATE u_alpha.audit_auditevent SET occurred_at = occurred_at - interval '182 days' WHERE id = %s",
        [recent[0].pk])
    database.relink("u_alpha")  # recent[0] is 182 days old: still kept
    raw("ALTER TABLE u_alpha.audit_auditevent ENABLE TRIGGER zt_audit_guard")

    with pytest.raises(ValidationError, match="183"):
        audit_purge(schema="u_alpha", days=90)
    with pytest.raises(DatabaseError, match="183"), transaction.atomic():
        raw("SELECT * FROM public.zt_audit_purge('u_alpha', 30, false)")

    dry = audit_purge(schema="u_alpha", dry_run=True)
    with schema_context("u_alpha"):
        total_old = AuditEvent.objects.filter(pk__lte=old[-1].pk).count()
    assert dry.deleted == total_old and dry.anchor_id is None

    with schema_context("u_alpha"):
        last_old_hash = AuditEvent.objects.get(pk=old[-1].pk).hash  # re-sealed by age_events
    result = audit_purge(schema="u_alpha")
    assert result.deleted == total_old and result.purged_through_id == old[-1].pk and result.retention_days == 183
    with schema_context("u_alpha"):
        assert not AuditEvent.objects.filter(pk__lte=old[-1].pk).exists()
        assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 2
        anchor = AuditEvent.objects.get(pk=result.anchor_id)
        assert anchor.action == "audit.purge" and anchor.after["last_purged_hash"] == last_old_hash
        assert anchor.after["deleted"] == total_old
        report = verify_trail()
        assert report.ok and report.anchor_id == anchor.pk
        # Deleting the first event after the anchor's cut is still noticed.
        first_left = AuditEvent.objects.order_by("id").first()
    tamper("u_alpha", "DELETE FROM u_alpha.audit_auditevent WHERE id = %s", [first_left.pk])
    with schema_context("u_alpha"):
        report = verify_trail()
    assert report.broken_id is not None and "purge anchor" in report.reason

    assert audit_purge(schema="u_alpha").deleted == 0  # nothing further is old enough


def test_events_written_after_a_purge_in_the_same_transaction_continue_the_chain(alpha, make_asset):
    with schema_context("u_alpha"):
        e = audit_record(action="test.to-purge")
    age_events("u_alpha", e.pk, days=190)
    with schema_context("u_alpha"):
        audit_record(action="test.young")  # the transaction now knows the head
        result = audit_purge()
        after = audit_record(action="test.after-purge")
        assert after.prev_hash == AuditEvent.objects.get(pk=result.anchor_id).hash
    make_asset(alpha)  # and a trigger event after that
    with schema_context("u_alpha"):
        assert verify_trail().ok


def test_retention_can_be_configured_longer_never_shorter(alpha, settings):
    settings.ZT_AUDIT_RETENTION_DAYS = 400
    with schema_context("u_alpha"):
        e = audit_record(action="test.year-old")
    age_events("u_alpha", e.pk, days=365)
    assert audit_purge(schema="u_alpha").deleted == 0  # 365 < 400: kept
    with pytest.raises(ValidationError):
        audit_purge(schema="u_alpha", days=200)  # shorter than configured
    assert audit_purge(schema="u_alpha", days=500).deleted == 0
    settings.ZT_AUDIT_RETENTION_DAYS = 100  # below the floor: the floor wins
    with pytest.raises(ValidationError, match="183"):
        audit_purge(schema="u_alpha")


def test_purge_audit_command(alpha):
    with schema_context("u_alpha"):
        e = audit_record(action="test.ancient")
    age_events("u_alpha", e.pk, days=300)
    out = io.StringIO()
    call_command("purge_audit", "--schema", "u_alpha", "--dry-run", stdout=out)
    assert "u_alpha: would delete" in out.getvalue()
    call_command("purge_audit", "--schema", "u_alpha", stdout=out)
    assert "u_alpha: deleted" in out.getvalue() and "anchor #" in out.getvalue()
    with pytest.raises(CommandError, match="183"):
        call_command("purge_audit", "--schema", "u_alpha", "--days", "10", stdout=out)
    call_command("verify_audit", "--schema", "u_alpha", stdout=out)
    assert "u_alpha: OK" in out.getvalue() and "continues from purge anchor" in out.getvalue()


# ----------------------------------------------------------------------- a separate application role

def _superuser() -> bool:
    return raw("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][0]


def test_the_application_role_can_append_but_not_change_or_delete_events(alpha, make_user, make_asset):
    import uuid

    from modules.assets.models import Asset

    if not _superuser():
        pytest.skip("the test database's user cannot CREATE ROLE / SET ROLE")
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"zt_t_owner_{suffix}", f"zt_t_app_{suffix}"
    # Roles are cluster-wide but CREATE ROLE is transactional: the test's rollback removes them.
    raw(f"CREATE ROLE {owner} NOLOGIN")
    raw(f"CREATE ROLE {app} NOLOGIN")
    raw(f"GRANT {app} TO {owner}")
    raw(f"GRANT CREATE ON DATABASE {q(connection.settings_dict['NAME'])} TO {owner}")
    raw(f"GRANT USAGE ON SCHEMA public TO {app}")
    raw(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {app}")
    # The deployment's owner role owns the functions (and so runs the SECURITY DEFINER ones).
    for fn in ("zt_audit_seal(text, text)", "zt_audit_purge(text, integer, boolean)"):
        raw(f"ALTER FUNCTION public.{fn} OWNER TO {owner}")
    # As if the application had cloned the unit itself: it owns the schema and its tables.
    raw(f"ALTER SCHEMA u_alpha OWNER TO {app}")
    raw(f"ALTER TABLE u_alpha.audit_auditevent OWNER TO {app}")
    raw(f"ALTER TABLE u_alpha.assets_asset OWNER TO {app}")
    raw(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA u_alpha TO {app}")
    raw(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA u_alpha TO {app}")
    asset = make_asset(alpha, name="角色测试")

    raw(f"SET ROLE {app}")
    try:
        database.seal_trail("u_alpha", app)  # what post_schema_sync does after a clone
        with schema_context("u_alpha"):
            event = audit_record(action="test.as-app")  # appending works
            Asset.objects.filter(pk=asset.pk).update(location="二楼")  # and so do audited changes
            assert AuditEvent.objects.filter(action="data.update", object_id=str(asset.pk)).exists()
            for sql in (f"UPDATE u_alpha.audit_auditevent SET detail = 'x' WHERE id = {event.pk}",
                        f"DELETE FROM u_alpha.audit_auditevent WHERE id = {event.pk}",
                        "TRUNCATE u_alpha.audit_auditevent",
                        "ALTER TABLE u_alpha.audit_auditevent DISABLE TRIGGER zt_audit_guard",
                        "DROP TABLE u_alpha.audit_auditevent"):
                with pytest.raises(DatabaseError, match="permission denied|must be owner"), transaction.atomic():
                    raw(sql)
            with pytest.raises(DatabaseError, match="not managed"), transaction.atomic():
                database.seal_trail("u_alpha", "postgres")  # cannot hand rights to others
            assert verify_trail().ok
    finally:
        raw("RESET ROLE")
    owner_now = raw("SELECT tableowner FROM pg_tables WHERE schemaname = 'u_alpha' AND tablename = 'audit_auditevent'")
    assert owner_now == [(owner,)]
