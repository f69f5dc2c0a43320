"""The pool of ready unit schemas and the template's DDL snapshot (tenants/pool.py)."""
from __future__ import annotations

import time

import pytest
from django.db import connection, connections
from django.test import Client, override_settings
from django_tenants.clone import CloneSchema

from tenants import pool
from tenants.models import PoolSchema, Unit
from tenants.services import unit_onboard
from tests.conftest import PASSWORD
from tests.support.worker import running_worker


def schemas() -> set[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace")
        return {r[0] for r in cur.fetchall()}


def catalog(schema: str) -> dict:
    """What a unit schema is made of, with its own name blanked out: tables and columns (types,
    defaults, identity, nullability), constraints, indexes, triggers and their state, sequences
    and their positions, grants, and a checksum of every table's rows."""
    def norm(text):
        return None if text is None else text.replace(f'"{schema}".', "S.").replace(f"{schema}.", "S.")

    out: dict = {}
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('search_path', 'pg_catalog', false)")
        cur.execute("SELECT oid, nspacl FROM pg_namespace WHERE nspname = %s", [schema])
        ns, out["schema_acl"] = cur.fetchone()
        cur.execute("""SELECT c.relname, c.relkind, c.relpersistence, c.reloptions, c.relacl::text
                         FROM pg_class c WHERE c.relnamespace = %s ORDER BY 1""", [ns])
        out["relations"] = cur.fetchall()
        cur.execute("""SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                              a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid), a.attcollation
                         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                        WHERE c.relnamespace = %s AND a.attnum > 0 AND NOT a.attisdropped
                        ORDER BY c.relname, a.attnum""", [ns])
        out["columns"] = [(*r[:6], norm(r[6]), r[7]) for r in cur.fetchall()]
        cur.execute("""SELECT r.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable,
                              k.convalidated FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid
                        WHERE r.relnamespace = %s ORDER BY 1, 2""", [ns])
        out["constraints"] = [(r[0], r[1], r[2], norm(r[3]), r[4], r[5]) for r in cur.fetchall()]
        cur.execute("""SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
                         JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = %s ORDER BY 1""", [ns])
        out["indexes"] = [(r[0], norm(r[1])) for r in cur.fetchall()]
        cur.execute("""SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t
                         JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = %s AND NOT t.tgisinternal
                        ORDER BY 1, 2""", [ns])
        out["triggers"] = [(r[0], r[1], norm(r[2]), r[3]) for r in cur.fetchall()]
        cur.execute("""SELECT sequencename, data_type::text, start_value, min_value, max_value, increment_by,
                              cycle, cache_size, last_value FROM pg_sequences WHERE schemaname = %s
                        ORDER BY 1""", [schema])
        out["sequences"] = cur.fetchall()
        rows = {}
        for (table,) in [(r[0],) for r in out["relations"] if r[1] == "r"]:
            cur.execute(f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY t::text), \'\'))'
                        f' FROM "{schema}"."{table}" t')
            rows[table] = cur.fetchone()
        out["rows"] = rows
    connection.set_schema_to_public()
    return out


def test_a_schema_made_from_the_snapshot_is_the_template_and_what_a_clone_gives(db):
    template = pool.template_schema()
    snap = pool.snapshot_take()
    assert snap.statements, "the template must be reproducible by the snapshot (no fallback to cloning)"
    pool.schema_from_snapshot("zt_cmp_snapshot")
    CloneSchema().clone_schema(template, "zt_cmp_clone", "DATA")
    connection.set_schema_to_public()
    want = catalog(template)
    assert len([r for r in want["relations"] if r[1] == "r"]) > 50
    assert want["triggers"] and any(count for count, _ in want["rows"].values())
    made = catalog("zt_cmp_snapshot")
    for part in want:
        if part == "indexes":
            # A partial index's predicate re-read by PostgreSQL prints differently (ANY ((ARRAY[…])::text[])
            # becomes ANY (ARRAY[(…)::text, …])): same meaning, as pg_dump and a clone give it.
            assert [r[0] for r in made[part]] == [r[0] for r in want[part]]
            assert [r for r in made[part] if " WHERE " not in r[1]] == [r for r in want[part] if " WHERE " not in r[1]]
        else:
            assert made[part] == want[part], part
    # What the old clone gives: the same columns, triggers and rows ...
    cloned = catalog("zt_cmp_clone")
    tables = {r[0] for r in want["relations"] if r[1] == "r"}
    for part in ("columns",):
        assert [r for r in made[part] if r[0] in tables] == [r for r in cloned[part] if r[0] in tables]
    for part in ("triggers", "rows"):
        assert made[part] == cloned[part], part
    # ... but the clone renames unique constraints (a later migration removing one by its name would
    # fail on cloned units) and widens integer identity sequences to bigint; the snapshot keeps the
    # template's.
    assert [r[1] for r in made["constraints"]] != [r[1] for r in cloned["constraints"]]


def test_the_snapshot_follows_the_template_when_its_migrations_change(db):
    template = pool.template_schema()
    before = pool.current_snapshot()
    with connection.cursor() as cur:  # a deploy migrating the template (in this test's transaction)
        cur.execute(f"ALTER TABLE {template}.assets_category ADD COLUMN zt_probe integer")
        cur.execute(f"DELETE FROM {template}.django_migrations"
                    f" WHERE id = (SELECT max(id) FROM {template}.django_migrations)")
    after = pool.current_snapshot()
    assert after.key != before.key and after.digest != before.digest
    pool.schema_from_snapshot("zt_cmp_followed")
    made, want = catalog("zt_cmp_followed"), catalog(template)
    assert made["columns"] == want["columns"] and made["rows"] == want["rows"]
    assert "zt_probe" in {r[1] for r in made["columns"] if r[0] == "assets_category"}


def test_onboarding_takes_a_pool_schema_and_the_unit_works(db, make_user, client_for):
    made = pool.pool_refill(size=2)
    assert len(made.created) == 2 and set(pool.pool_schemas()) == set(made.created)
    first, second = made.created
    # Not units: no unit row, no host reaches them, the pool page of nobody.
    assert not Unit.objects.filter(schema_name__in=made.created).exists()
    assert Client(HTTP_HOST=f"{first}.zt.test").get("/accounts/login/").status_code == 404
    assert catalog(first)["rows"] == catalog(pool.template_schema())["rows"]

    started = time.perf_counter()
    unit = unit_onboard(name="池中单位", slug="pooled", module_keys=["assets"], check_actor=False,
                        send_invite=False).unit
    took = time.perf_counter() - started
    assert unit._zt_schema_source == "pool"
    assert "u_pooled" in schemas() and first not in schemas()
    assert pool.pool_schemas() == [second]
    assert took < 5, took  # a rename, not a copy (the bench measures it properly)

    login = client_for(None, "pooled.zt.test").get("/accounts/login/")
    assert login.status_code == 200
    officer = make_user(unit, ["assets.asset_officer"])
    page = client_for(officer, "pooled.zt.test").get("/m/assets/")
    assert page.status_code == 200, page.content.decode()[:500]
    # A member signs in with a password on the new unit's host.
    c = Client(HTTP_HOST="pooled.zt.test")
    assert c.post("/accounts/login/", {"username": officer.email, "password": PASSWORD}).status_code == 302


def test_with_the_pool_empty_onboarding_makes_the_schema_from_the_snapshot(db):
    assert pool.pool_schemas() == []
    unit = unit_onboard(name="无池单位", slug="unpooled", check_actor=False, send_invite=False).unit
    assert unit._zt_schema_source == "snapshot"
    assert catalog("u_unpooled")["columns"] == catalog(pool.template_schema())["columns"]
    with override_settings(ZT_UNIT_SCHEMA_SOURCE="clone"):
        unit = unit_onboard(name="克隆单位", slug="cloned", check_actor=False, send_invite=False).unit
    assert unit._zt_schema_source == "clone"


def test_a_pool_schema_behind_the_template_is_never_handed_out(db):
    [stale] = pool.pool_refill(size=1).created
    with connection.cursor() as cur:  # as if a deploy migrated the template but not this schema yet
        cur.execute(f'DELETE FROM "{stale}".django_migrations'
                    f' WHERE id = (SELECT max(id) FROM "{stale}".django_migrations)')
    unit = unit_onboard(name="不取旧池", slug="notstale", check_actor=False, send_invite=False).unit
    assert unit._zt_schema_source == "snapshot" and stale in schemas()
    refill = pool.pool_refill(size=1)
    assert refill.dropped == [stale] and stale not in schemas() and len(refill.created) == 1


def test_a_pool_schema_made_before_the_audit_tracked_other_tables_is_not_handed_out(db):
    [ready] = pool.pool_refill(size=1).created
    # As if the code now tracked another table: the schema's triggers were copied at the old list.
    older = pool.PREFIX + "0" * 8 + "_" + ready.rsplit("_", 1)[1]
    with connection.cursor() as cur:
        cur.execute(f'ALTER SCHEMA "{ready}" RENAME TO "{older}"')
    PoolSchema.objects.filter(schema_name=ready).update(schema_name=older)
    unit = unit_onboard(name="新跟踪表", slug="newtracking", check_actor=False, send_invite=False).unit
    assert unit._zt_schema_source == "snapshot" and older in schemas()
    assert pool.pool_refill(size=1).dropped == [older]


@pytest.mark.worker
def test_the_pool_refills_on_a_real_worker_after_an_onboarding(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        pool.pool_drain()
        unit = None
        try:
            with override_settings(ZT_UNIT_POOL_SIZE=1):
                pool.pool_refill()
            [ready] = pool.pool_schemas()
            with running_worker(extra_env={"ZT_UNIT_POOL_SIZE": "1"}):
                # Taking the ready schema sends the refill job when the onboarding commits.
                unit = unit_onboard(name="工作进程补池", slug="poolworker", check_actor=False,
                                    send_invite=False).unit
                assert unit._zt_schema_source == "pool" and unit.schema_name in schemas()
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not pool.pool_schemas():
                    time.sleep(0.5)
            refilled = pool.pool_schemas()
            assert len(refilled) == 1 and refilled != [ready], "the worker did not refill the pool"
            assert refilled[0] in schemas()
        finally:
            for alias in connections:
                connections[alias].close()
            connection.set_schema_to_public()
            if unit is not None:
                unit.delete(force_drop=True)
            pool.pool_drain()


def test_migrate_platform_brings_a_pool_schema_behind_the_template_up_to_it(db):
    from django.core.management import call_command

    template = pool.template_schema()
    [ready] = pool.pool_refill(size=1).created
    # As if the schema had been made before a deploy that added the attachments' migration.
    call_command("migrate_schemas", "files", "zero", schema_name=ready, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    assert pool.migrations_fingerprint(ready) != pool.migrations_fingerprint(template)
    call_command("migrate_platform", verbosity=0)
    assert pool.migrations_fingerprint(ready) == pool.migrations_fingerprint(template)
    made, want = catalog(ready), catalog(template)
    assert made["columns"] == want["columns"] and made["triggers"] == want["triggers"]
    unit = unit_onboard(name="迁移后的池", slug="migratedpool", check_actor=False, send_invite=False).unit
    assert unit._zt_schema_source == "pool" and unit.schema_name == "u_migratedpool"
