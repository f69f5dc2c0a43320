"""Ready unit schemas, and a cheaper way to make one.

Onboarding used to clone the template with django-tenants' ``clone_schema`` PL/pgSQL. Its
``information_schema`` probes scan all of ``pg_attribute``/``pg_class``, which grow by ~540
relations with every unit, so one clone went from 0.9 s at 5 units to 5.5 s at 250 (issue 12).
Two remedies, both here:

- **A DDL snapshot of the template.** Read once from ``pg_catalog`` (by namespace, never through
  ``information_schema``) and stored in ``TemplateSnapshot``; making a schema replays it with the
  new schema's name: tables and identity sequences, the template's rows (roles, permissions,
  migrations: clone_mode DATA) and sequence positions, constraints, indexes, triggers, grants.
  It is taken again whenever the template's applied migrations differ from the ones it was
  taken at, in the session that asks — so a template migrated inside a transaction (tests,
  a deploy) is seen as it is there. ``pg_dump`` would need binaries matching each server and
  could not see uncommitted DDL; ``backup/`` avoids it for the same reasons.
- **A pool of ready schemas** (``PoolSchema``), made from the snapshot ahead of time by a Celery
  job (``tenants.pool_refill``), named ``zt_pool_<hex>``: no unit row and no domain point at
  them, so no host reaches them, no login and no periodic job touches them. Onboarding takes one
  with ``ALTER SCHEMA … RENAME`` (milliseconds, whatever the number of units) inside its own
  transaction; when the pool is empty it makes the schema from the snapshot. ``migrate_platform``
  migrates pool schemas with the units (``pool_schemas``), and a pool schema whose applied
  migrations differ from the template's is never handed out.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django_tenants.clone import CloneSchema
from django_tenants.postgresql_backend.base import _check_schema_name

from .schema_state import migrations_fingerprint

log = logging.getLogger(__name__)

PREFIX = "zt_pool_"
PLACEHOLDER = "@@ZT_SCHEMA@@"
# Serialises refills (two workers must not overfill the pool); onboarding never takes it.
REFILL_LOCK = 0x7A74_0001


class SnapshotUnsupported(Exception):
    """The template holds an object kind the snapshot does not reproduce (then we clone)."""


def template_schema() -> str:
    return settings.TENANT_BASE_SCHEMA


def pool_size() -> int:
    return int(getattr(settings, "ZT_UNIT_POOL_SIZE", 3))


def schema_source() -> str:
    """How new unit schemas are made: "pool" (then snapshot), "snapshot", or "clone" (the old way)."""
    return getattr(settings, "ZT_UNIT_SCHEMA_SOURCE", "pool")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def tracking_fingerprint() -> str:
    """md5 of which tables the audit tracks and how (code, not a migration, decides it)."""
    from zhengtong.audit.database import tracked_tables

    return hashlib.md5(repr(sorted(tracked_tables(), key=lambda t: t.table)).encode()).hexdigest()


def template_key() -> str:
    """What a snapshot or a pool schema must have been made at: the template's applied
    migrations and the audit's tracked tables (their triggers are part of the copy)."""
    return hashlib.md5(f"{migrations_fingerprint(template_schema())}|{tracking_fingerprint()}".encode()).hexdigest()


# --------------------------------------------------------------------------- the snapshot

@dataclass
class Snapshot:
    key: str
    digest: str
    statements: list[str]

    def script(self, schema: str) -> str:
        return ";\n".join(s.replace(PLACEHOLDER, _q(schema)) for s in self.statements) + ";"


def _placeheld(sql: str, template: str) -> str:
    # pg_get_*def() qualify every name outside the search_path; the template's become the
    # placeholder. Plain lower-case identifiers print unquoted, quoted ones with quotes.
    return sql.replace(f"{_q(template)}.", f"{PLACEHOLDER}.").replace(f"{template}.", f"{PLACEHOLDER}.")


def _acl_grants(cur, kind: str, target: str, acl_sql: str, owner_sql: str, params: list) -> list[str]:
    cur.execute(
        f"""SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
                   string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type), bool_or(a.is_grantable)
              FROM aclexplode(({acl_sql})) a WHERE a.grantee <> ({owner_sql})
             GROUP BY a.grantee ORDER BY 1""", params)
    return [f"GRANT {privs} ON {kind} {target} TO {who}{' WITH GRANT OPTION' if grantable else ''}"
            for who, privs, grantable in cur.fetchall()]


def _read_template(template: str) -> list[str]:
    """The statements that rebuild ``template`` under another name, read from pg_catalog.

    Order as pg_dump's: tables with their identity sequences, rows and sequence positions,
    then constraints, indexes, foreign keys, triggers and grants — so rows go in before the
    triggers exist (the template's rows are not audited twice) and before the checks run.
    """
    with connection.cursor() as cur:
        # Names outside the search path print qualified: only pg_catalog stays on it.
        cur.execute("SELECT set_config('search_path', 'pg_catalog', false)")
        try:
            return _read_catalog(cur, template)
        finally:
            connection.set_schema_to_public()  # django-tenants sets its search_path again


def _read_catalog(cur, template: str) -> list[str]:
    cur.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [template])
    row = cur.fetchone()
    if row is None:
        raise SnapshotUnsupported(f"schema {template} does not exist")
    ns = row[0]
    cur.execute("""SELECT c.relkind, count(*) FROM pg_class c WHERE c.relnamespace = %s
                   AND c.relkind NOT IN ('r', 'i', 'S') GROUP BY 1""", [ns])
    other = cur.fetchall()
    cur.execute("SELECT count(*) FROM pg_proc WHERE pronamespace = %s", [ns])
    functions = cur.fetchone()[0]
    cur.execute("""SELECT count(*) FROM pg_type t WHERE t.typnamespace = %s AND t.typrelid = 0
                   AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typrelid <> 0)""", [ns])
    types = cur.fetchone()[0]
    cur.execute("""SELECT count(*) FROM pg_class c WHERE c.relnamespace = %s AND (c.relrowsecurity
                   OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
                   OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL))""",
                [ns])
    policies = cur.fetchone()[0]
    cur.execute("""SELECT count(*) FROM pg_class s WHERE s.relnamespace = %s AND s.relkind = 'S'
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                   AND d.objid = s.oid AND d.deptype = 'i')""", [ns])
    plain_sequences = cur.fetchone()[0]
    if other or functions or types or policies or plain_sequences:
        raise SnapshotUnsupported(
            f"{template} holds objects the snapshot does not rebuild (relkinds {other}, {functions} functions, "
            f"{types} types, {policies} tables with row security or column grants, "
            f"{plain_sequences} sequences outside identity columns)")

    out = ["CREATE SCHEMA " + PLACEHOLDER]
    cur.execute("SELECT oid, relname, relpersistence, reloptions FROM pg_class"
                " WHERE relnamespace = %s AND relkind = 'r' ORDER BY relname", [ns])
    tables = cur.fetchall()
    data_tables = []
    for oid, name, persistence, options in tables:
        cur.execute(
            """SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                      a.attgenerated, pg_get_expr(d.adbin, d.adrelid),
                      CASE WHEN a.attcollation <> t.typcollation THEN (SELECT quote_ident(nspname) || '.'
                           || quote_ident(collname) FROM pg_collation co JOIN pg_namespace n
                           ON n.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                      s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, sc.relname,
                      col_description(a.attrelid, a.attnum)
                 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 LEFT JOIN pg_depend dep ON dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
                      AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_class'::regclass AND dep.deptype = 'i'
                 LEFT JOIN pg_class sc ON sc.oid = dep.objid AND sc.relkind = 'S'
                 LEFT JOIN pg_sequence s ON s.seqrelid = sc.oid
                WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum""", [oid])
        columns, comments, column_names = [], [], []
        for (col, typ, notnull, identity, generated, default, collation, start, inc, smin, smax, cache, cycle,
             seq, comment) in cur.fetchall():
            spec = f"{_q(col)} {typ}"
            if collation:
                spec += f" COLLATE {collation}"
            if generated == "s":
                spec += f" GENERATED ALWAYS AS ({default}) STORED"
            elif default is not None:
                spec += f" DEFAULT {default}"
            if identity:
                spec += (f" GENERATED {'ALWAYS' if identity == 'a' else 'BY DEFAULT'} AS IDENTITY"
                         f" (SEQUENCE NAME {PLACEHOLDER}.{_q(seq)} START WITH {start} INCREMENT BY {inc}"
                         f" MINVALUE {smin} MAXVALUE {smax} CACHE {cache}{' CYCLE' if cycle else ''})")
            if notnull:
                spec += " NOT NULL"
            columns.append(_placeheld(spec, template))
            if generated != "s":
                column_names.append(_q(col))
            if comment is not None:
                comments.append(f"COMMENT ON COLUMN {PLACEHOLDER}.{_q(name)}.{_q(col)} IS {_lit(comment)}")
        with_ = f" WITH ({', '.join(options)})" if options else ""
        unlogged = "UNLOGGED " if persistence == "u" else ""
        out.append(f"CREATE {unlogged}TABLE {PLACEHOLDER}.{_q(name)} ({', '.join(columns)}){with_}")
        cur.execute("SELECT obj_description(%s, 'pg_class')", [oid])
        comment = cur.fetchone()[0]
        if comment is not None:
            out.append(f"COMMENT ON TABLE {PLACEHOLDER}.{_q(name)} IS {_lit(comment)}")
        out.extend(comments)
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(template)}.{_q(name)})")
        if cur.fetchone()[0]:
            data_tables.append((name, column_names))

    # clone_mode DATA: the template's rows (migrations, content types, permissions, roles).
    # Read from the template when the schema is made, as clone_schema does.
    for name, cols in data_tables:
        collist = ", ".join(cols)
        out.append(f"INSERT INTO {PLACEHOLDER}.{_q(name)} ({collist}) OVERRIDING SYSTEM VALUE"
                   f" SELECT {collist} FROM {_q(template)}.{_q(name)}")
    cur.execute("SELECT c.relname FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid"
                " WHERE c.relnamespace = %s ORDER BY c.relname", [ns])
    for (seq,) in cur.fetchall():
        cur.execute(f"SELECT is_called FROM {_q(template)}.{_q(seq)}")
        if cur.fetchone()[0]:
            out.append(f"SELECT setval('{PLACEHOLDER}.{_q(seq)}', last_value, is_called)"
                       f" FROM {_q(template)}.{_q(seq)}")

    cur.execute("""SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
                     FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
                    WHERE r.relnamespace = %s AND r.relkind = 'r'
                    ORDER BY c.contype = 'f', r.relname, c.conname""", [ns])
    constraints = cur.fetchall()
    for table, conname, contype, definition in constraints:
        if contype != "f":
            out.append(_placeheld(f"ALTER TABLE ONLY {table} ADD CONSTRAINT {_q(conname)} {definition}", template))
    cur.execute("""SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                    WHERE c.relnamespace = %s AND NOT EXISTS (
                          SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')
                          AND k.conrelid = i.indrelid)
                    ORDER BY c.relname""", [ns])
    out.extend(_placeheld(d, template) for (d,) in cur.fetchall())
    for table, conname, contype, definition in constraints:
        if contype == "f":
            out.append(_placeheld(f"ALTER TABLE ONLY {table} ADD CONSTRAINT {_q(conname)} {definition}", template))
    cur.execute("""SELECT pg_get_triggerdef(t.oid), t.tgenabled, c.oid::regclass::text, t.tgname
                     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                    WHERE c.relnamespace = %s AND NOT t.tgisinternal ORDER BY c.relname, t.tgname""", [ns])
    for definition, enabled, table, tgname in cur.fetchall():
        out.append(_placeheld(definition, template))
        state = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}.get(enabled)
        if state:
            out.append(_placeheld(f"ALTER TABLE {table} {state} TRIGGER {_q(tgname)}", template))

    out.extend(_acl_grants(cur, "SCHEMA", PLACEHOLDER, "SELECT nspacl FROM pg_namespace WHERE oid = %s",
                           "SELECT nspowner FROM pg_namespace WHERE oid = %s", [ns, ns]))
    cur.execute("SELECT oid, relname, relkind FROM pg_class WHERE relnamespace = %s AND relkind IN ('r', 'S')"
                " AND relacl IS NOT NULL ORDER BY relname", [ns])
    for oid, name, kind in cur.fetchall():
        out.extend(_acl_grants(cur, "TABLE" if kind == "r" else "SEQUENCE", f"{PLACEHOLDER}.{_q(name)}",
                               "SELECT relacl FROM pg_class WHERE oid = %s",
                               "SELECT relowner FROM pg_class WHERE oid = %s", [oid, oid]))
    return out


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_cache: dict[str, Snapshot] = {}


def snapshot_take(template: str | None = None) -> Snapshot:
    """Read the template's snapshot from the catalog and store it (idempotent per content)."""
    from zhengtong.audit.database import install_triggers

    from .models import TemplateSnapshot

    template = template or template_schema()
    key = template_key()
    # The copies carry the template's change triggers, and new units no longer have them
    # reinstalled one by one (that reads pg_class of every unit): bring the template's up to date.
    install_triggers(template)
    statements = _read_template(template)
    digest = hashlib.sha256("\n".join([key, *statements]).encode()).hexdigest()
    TemplateSnapshot.objects.bulk_create(
        [TemplateSnapshot(digest=digest, migrations=key, statements=statements)], ignore_conflicts=True)
    TemplateSnapshot.objects.exclude(digest=digest).delete()
    snap = Snapshot(key=key, digest=digest, statements=statements)
    _cache.clear()
    _cache[digest] = snap
    return snap


def current_snapshot() -> Snapshot:
    """The snapshot for the template as it is now (taken again when ``template_key`` moved)."""
    from .models import TemplateSnapshot

    key = template_key()
    row = (TemplateSnapshot.objects.filter(migrations=key).order_by("-created_at")
           .values_list("digest", flat=True).first())
    if row is None:
        return snapshot_take()
    if row not in _cache:
        stored = TemplateSnapshot.objects.get(digest=row)
        _cache.clear()
        _cache[row] = Snapshot(key=stored.migrations, digest=row, statements=stored.statements)
    return _cache[row]


def lock_referenced_tables() -> None:
    """Take, first and in one fixed order, the locks that making a unit schema needs on the
    public tables its foreign keys point at (tenants.scale_out.REFERENCE_TABLES).

    Adding those foreign keys takes SHARE ROW EXCLUSIVE on public.accounts_user and
    public.tenants_unit until commit, and an onboarding has inserted its unit row before it
    (ROW EXCLUSIVE on tenants_unit). Two schema makers taking them in different orders
    deadlocked (seen: a snapshot replay beside a bulk onboarding at ~500 units). Taken up front
    in the same order by every schema maker, they queue behind each other instead.
    """
    from .scale_out import REFERENCE_TABLES

    tables = ", ".join(f"public.{_q(t)}" for t in sorted(REFERENCE_TABLES))
    with connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def schema_from_snapshot(schema: str) -> None:
    """Make ``schema`` as a copy of the template by replaying the snapshot (one round trip)."""
    _check_schema_name(schema)
    snap = current_snapshot()
    with connection.cursor() as cur:
        cur.execute(snap.script(schema))
    connection.set_schema_to_public()


# --------------------------------------------------------------------------- the pool

def pool_schemas() -> list[str]:
    """Every pool schema (``migrate_platform`` keeps them at the template's state)."""
    from .models import PoolSchema

    return list(PoolSchema.objects.order_by("pk").values_list("schema_name", flat=True))


def _pool_prefix(tracking: str) -> str:
    # A pool schema's name says which audit tracking its triggers were copied at: when the code
    # tracks other tables, older pool schemas are dropped instead of handed out.
    return f"{PREFIX}{tracking[:8]}_"


def _current(pool_schema: str, migrations: str, tracking: str) -> bool:
    return pool_schema.startswith(_pool_prefix(tracking)) and migrations_fingerprint(pool_schema) == migrations


def pool_take(schema: str) -> bool:
    """Rename a ready pool schema to ``schema``; False when none is ready.

    Runs in the caller's transaction: if onboarding fails, the rename and the row's removal
    roll back with it and the schema is back in the pool. ``skip_locked``: concurrent
    onboardings take different schemas instead of queueing behind one.
    """
    from .models import PoolSchema

    _check_schema_name(schema)
    want, tracking = migrations_fingerprint(template_schema()), tracking_fingerprint()
    with transaction.atomic():
        for entry in PoolSchema.objects.select_for_update(skip_locked=True).order_by("pk")[:5]:
            if not _current(entry.schema_name, want, tracking):
                continue  # behind the template (a deploy is under way): never hand it out
            with connection.cursor() as cur:
                cur.execute(f"ALTER SCHEMA {_q(entry.schema_name)} RENAME TO {_q(schema)}")
            entry.delete()
            transaction.on_commit(pool_refill_later)
            return True
    return False


def pool_refill_later() -> None:
    from django_tenants.utils import schema_context

    from .tasks import pool_refill

    with schema_context("public"):  # tenant-schemas-celery runs it where it was sent from
        pool_refill.delay()


def schema_make(schema: str, *, clone_mode: str = "DATA") -> str:
    """Make a new unit's schema the cheapest way available; returns how ("pool", "snapshot", "clone")."""
    source = schema_source()
    if source == "pool":
        if pool_take(schema):
            return "pool"
        if pool_size() > 0:
            transaction.on_commit(pool_refill_later)  # empty (e.g. just deployed): fill it now
    if source in ("pool", "snapshot"):
        try:
            with transaction.atomic():
                schema_from_snapshot(schema)
            return "snapshot"
        except SnapshotUnsupported as exc:
            log.warning("unit schema %s cloned: %s", schema, exc)
    CloneSchema().clone_schema(template_schema(), schema, clone_mode)
    return "clone"


@dataclass
class RefillResult:
    created: list[str]
    dropped: list[str]
    size: int


def pool_refill(*, size: int | None = None) -> RefillResult:
    """Bring the pool to ``size`` ready schemas (ZT_UNIT_POOL_SIZE); drop those behind the template.

    Each schema is made in its own transaction: one schema's ~540 relations hold ~1,800 locks
    until commit, and a stock PostgreSQL has room for 64 × max_connections.
    """
    from .models import PoolSchema

    size = pool_size() if size is None else size
    created, dropped = [], []
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [REFILL_LOCK])
            if not cur.fetchone()[0]:
                return RefillResult(created, dropped, size)  # another refill is at it
        want, tracking = migrations_fingerprint(template_schema()), tracking_fingerprint()
        for entry in PoolSchema.objects.select_for_update(skip_locked=True).order_by("pk"):
            if not _current(entry.schema_name, want, tracking):
                with connection.cursor() as cur:
                    cur.execute(f"DROP SCHEMA IF EXISTS {_q(entry.schema_name)} CASCADE")
                entry.delete()
                dropped.append(entry.schema_name)
        missing = max(0, size - PoolSchema.objects.count())
    for _ in range(missing):
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [REFILL_LOCK])
                if not cur.fetchone()[0]:
                    break
            if PoolSchema.objects.count() >= size:
                break
            name = _pool_prefix(tracking_fingerprint()) + secrets.token_hex(4)
            lock_referenced_tables()
            schema_from_snapshot(name)
            PoolSchema.objects.create(schema_name=name)
            created.append(name)
    return RefillResult(created, dropped, size)


def pool_drain() -> list[str]:
    """Drop every ready pool schema (e.g. before shrinking the pool)."""
    from .models import PoolSchema

    dropped = []
    with transaction.atomic():
        for entry in PoolSchema.objects.select_for_update(skip_locked=True):
            with connection.cursor() as cur:
                cur.execute(f"DROP SCHEMA IF EXISTS {_q(entry.schema_name)} CASCADE")
            entry.delete()
            dropped.append(entry.schema_name)
    return dropped
