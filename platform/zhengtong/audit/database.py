"""The audit trail's database side: the hash chain, the write guard, change triggers on
module tables, the retention purge, and the grants of a separate application role.

Why in the database: row triggers see every INSERT/UPDATE/DELETE, including queryset
``update()``/``delete()`` and raw SQL, which model signals miss; and linking each event
to its predecessor inside the INSERT (under a per-trail lock held until commit) keeps
one unbroken chain whoever writes — Python's ``audit_record`` or a trigger.

The functions live once in the ``public`` schema and act on the schema of the table
that fired them (``TG_TABLE_SCHEMA``), so an event always lands in the trail of the unit
whose row changed, whatever the session's ``search_path`` is. They are (re)installed
after every migration (django-tenants' ``schema_migrated``) and the triggers again for
every new unit (``post_schema_sync``): units are cloned from the template without
running migrate, and the clone must carry working triggers.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.apps import apps
from django.db import connection

GENESIS = "0" * 64
TABLE = "audit_auditevent"
# The legal floor (《网络安全法》第二十一条: logs kept at least six months). Settings may
# lengthen retention, never shorten it; the database enforces the floor by itself too.
MIN_RETENTION_DAYS = 183
LOCK_CLASS = 0x7A74  # "zt": high half of the advisory lock key, the trail's table oid is the low half

# Every column an event's hash covers, with the SQL that renders it as text. The insert
# trigger and the verifier use the same expressions, so both hash the same bytes.
# Timestamps are rendered in UTC explicitly: the session's TimeZone must not matter.
CHAIN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "{r}.id::text"),
    ("occurred_at", "to_char({r}.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"),
    ("actor_id", "{r}.actor_id::text"),
    ("actor_label", "{r}.actor_label"),
    ("unit_schema", "{r}.unit_schema"),
    ("ip", "{r}.ip::text"),
    ("action", "{r}.action"),
    ("object_type", "{r}.object_type"),
    ("object_id", "{r}.object_id"),
    ("object_repr", "{r}.object_repr"),
    ("before", "{r}.before::text"),
    ("after", "{r}.after::text"),
    ("result", "{r}.result"),
    ("detail", "{r}.detail"),
)


def column_texts_sql(alias: str) -> list[str]:
    return [expr.format(r=alias) for _, expr in CHAIN_COLUMNS]


def _canonical_sql(alias: str) -> str:
    # Length-prefixed, so no value can imitate a separator; "~" marks NULL.
    parts = [f"coalesce(length({e})::text || ':' || {e}, '~')" for e in column_texts_sql(alias)]
    return " || '|' || ".join(parts)


def canonical(texts: list[str | None]) -> str:
    """The Python twin of ``_canonical_sql`` over the same column texts."""
    return "|".join("~" if t is None else f"{len(t)}:{t}" for t in texts)


def digest(prev_hash: str, texts: list[str | None]) -> str:
    return hashlib.sha256((prev_hash + "|" + canonical(texts)).encode("utf-8")).hexdigest()


def _digest_sql(alias: str, prev: str) -> str:
    return f"encode(sha256(convert_to({prev} || '|' || {_canonical_sql(alias)}, 'UTF8')), 'hex')"


# --------------------------------------------------------------------------- functions

def functions_sql() -> str:
    below_floor = (f"audit events must be kept at least {MIN_RETENTION_DAYS} days "
                   f"(审计记录至少保存{MIN_RETENTION_DAYS}天), not %")
    return f"""
-- Links every new event to the trail's last one. The advisory lock is per trail (table
-- oid) and held until commit, so ids and links follow commit order and the chain never
-- forks. An id drawn before the lock may be older than the head: then draw a new one.
-- While the lock is held nobody else appends, so the head is remembered in a
-- transaction-local setting rather than looked up again for every event of a bulk change
-- (rolling back to a savepoint undoes the setting, the rows and, if taken there, the lock).
CREATE OR REPLACE FUNCTION public.zt_audit_link() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  head_key text := 'zt.audit_head_' || TG_RELID::bigint;
  head text;
  last_id bigint;
  last_hash text;
  seq text;
BEGIN
  PERFORM pg_advisory_xact_lock(({LOCK_CLASS}::bigint << 32) | TG_RELID::bigint);
  head := nullif(current_setting(head_key, true), '');
  IF head IS NULL THEN
    EXECUTE format('SELECT id, hash FROM %I.%I ORDER BY id DESC LIMIT 1', TG_TABLE_SCHEMA, TG_TABLE_NAME)
      INTO last_id, last_hash;
  ELSE
    last_id := split_part(head, ':', 1)::bigint;
    last_hash := split_part(head, ':', 2);
  END IF;
  IF NEW.id IS NULL OR NEW.id <= coalesce(last_id, 0) THEN
    seq := pg_get_serial_sequence(format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME), 'id');
    NEW.id := nextval(seq);
    IF NEW.id <= coalesce(last_id, 0) THEN
      PERFORM setval(seq, last_id);
      NEW.id := nextval(seq);
    END IF;
  END IF;
  -- The database's clock and the trail's own schema, whatever the writer claims.
  NEW.occurred_at := clock_timestamp();
  NEW.unit_schema := TG_TABLE_SCHEMA;
  NEW.prev_hash := coalesce(last_hash, '{GENESIS}');
  NEW.hash := {_digest_sql('NEW', 'NEW.prev_hash')};
  PERFORM set_config(head_key, NEW.id || ':' || NEW.hash, true);
  RETURN NEW;
END
$fn$;

-- Events are never changed. They are deleted only by the retention purge, which marks its
-- transaction with a cutoff, and only when older than the cutoff and the legal floor.
CREATE OR REPLACE FUNCTION public.zt_audit_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  cutoff timestamptz;
BEGIN
  IF TG_OP = 'DELETE' THEN
    cutoff := nullif(current_setting('zt.audit_purge_cutoff', true), '')::timestamptz;
    IF cutoff IS NOT NULL AND cutoff <= clock_timestamp() - interval '{MIN_RETENTION_DAYS} days'
       AND OLD.occurred_at < cutoff THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events cannot be deleted (审计记录不可删除): %.% #%', TG_TABLE_SCHEMA, TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'audit events cannot be changed (审计记录不可修改): %.% #%', TG_TABLE_SCHEMA, TG_TABLE_NAME, OLD.id
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;

-- The events of opted-in tables (see zhengtong.audit.tracking): statement-level triggers
-- read the statement's transition tables and write one event per changed row with a
-- single INSERT ... SELECT, however many rows the statement changed.
-- Arguments: model label, primary-key column, columns naming the object, ignored columns.
-- Who and from where come from the session (set per request / per job by
-- zhengtong.audit.context); the events go to the trail of the table's own schema.
-- JIT is off: transition tables have no statistics, the estimates run high, and compiling
-- the query took seconds for a few thousand rows that take milliseconds to process.
CREATE OR REPLACE FUNCTION public.zt_audit_rows_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET timezone = 'UTC' SET jit = off AS $fn$
DECLARE
  repr_cols text[] := coalesce(string_to_array(nullif(TG_ARGV[2], ''), ','), '{{}}');
  ignored text[] := coalesce(string_to_array(nullif(TG_ARGV[3], ''), ','), '{{}}');
  changes text;
  verb text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    verb := 'create';
    changes := 'SELECT w.j AS whole, NULL::jsonb AS b, w.j - $9 AS a'
            || ' FROM (SELECT to_jsonb(n) AS j FROM new_rows AS n OFFSET 0) AS w';
  ELSIF TG_OP = 'DELETE' THEN
    verb := 'delete';
    changes := 'SELECT w.j AS whole, w.j - $9 AS b, NULL::jsonb AS a'
            || ' FROM (SELECT to_jsonb(o) AS j FROM old_rows AS o OFFSET 0) AS w';
  ELSE
    verb := 'update';
    -- Old and new versions paired by primary key, keeping only the columns that changed.
    -- A row whose key itself changed still gets its event: the full join keeps both sides.
    changes := format($q$
      SELECT coalesce(j.nj, j.oj) AS whole, d.b, d.a
        FROM (SELECT to_jsonb(o) AS oj, to_jsonb(n) AS nj
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.%1$I = n.%1$I
              OFFSET 0) AS j  -- each row's JSON built once, not again wherever it is used
       CROSS JOIN LATERAL (
             SELECT (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(j.oj - $9) AS e
                      WHERE j.nj IS NULL OR (j.nj -> e.key) IS DISTINCT FROM e.value) AS b,
                    (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(j.nj - $9) AS e
                      WHERE j.oj IS NULL OR (j.oj -> e.key) IS DISTINCT FROM e.value) AS a
             OFFSET 0) AS d  -- computed once per row, not again for the filter
    $q$, TG_ARGV[1]);
  END IF;
  EXECUTE format($q$
    INSERT INTO %I.audit_auditevent (occurred_at, actor_id, actor_label, unit_schema, ip, action, object_type,
                                     object_id, object_repr, before, after, result, detail, prev_hash, hash)
    SELECT clock_timestamp(), $1, $2, $3, $4, $5, $6, left(coalesce(c.whole ->> $7, ''), 64),
           left(array_to_string(ARRAY(SELECT c.whole ->> col FROM unnest($8) AS col), ' '), 200),
           c.b, c.a, 'success', 'database trigger', '', ''
      FROM (%s) AS c
     WHERE c.b IS NOT NULL OR c.a IS NOT NULL  -- an update that changed nothing audited
     ORDER BY length(c.whole ->> $7), c.whole ->> $7
  $q$, TG_TABLE_SCHEMA, changes)
  USING nullif(current_setting('zt.actor_id', true), '')::bigint,
        left(coalesce(current_setting('zt.actor_label', true), ''), 200),
        TG_TABLE_SCHEMA,
        nullif(current_setting('zt.ip', true), '')::inet,
        'data.' || verb,
        TG_ARGV[0],
        TG_ARGV[1],
        repr_cols,
        ignored;
  RETURN NULL;
END
$fn$;

-- Retention. SECURITY DEFINER: where the application's role may not DELETE audit rows
-- (see docs/audit.md), it can still run the purge, which cannot go below the floor.
-- Only a prefix of the chain (in id order) goes: everything before the first event
-- younger than the cutoff. An anchor event written first records the last purged hash,
-- where verification of the remaining chain starts.
CREATE OR REPLACE FUNCTION public.zt_audit_purge(target_schema text, retention_days integer, dry_run boolean)
RETURNS TABLE (deleted bigint, purged_through_id bigint, anchor_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET timezone = 'UTC' AS $fn$
DECLARE
  cutoff timestamptz;
  through_id bigint;
  through_hash text;
  n bigint;
  anchor bigint;
BEGIN
  IF retention_days IS NULL OR retention_days < {MIN_RETENTION_DAYS} THEN
    RAISE EXCEPTION '{below_floor}',
      retention_days USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF to_regclass(format('%I.audit_auditevent', target_schema)) IS NULL THEN
    RAISE EXCEPTION 'no audit trail in schema %', target_schema USING ERRCODE = 'undefined_table';
  END IF;
  cutoff := clock_timestamp() - make_interval(days => retention_days);
  -- Serialise with writers: the head must not move while the anchor is written.
  PERFORM pg_advisory_xact_lock(({LOCK_CLASS}::bigint << 32)
                                | to_regclass(format('%I.audit_auditevent', target_schema))::oid::bigint);
  EXECUTE format('SELECT id FROM %I.audit_auditevent WHERE occurred_at >= $1 ORDER BY id LIMIT 1', target_schema)
    USING cutoff INTO through_id;
  EXECUTE format('SELECT id, hash FROM %I.audit_auditevent WHERE id < coalesce($1, 9223372036854775807)'
                 ' ORDER BY id DESC LIMIT 1', target_schema)
    USING through_id INTO through_id, through_hash;
  IF through_id IS NULL THEN
    RETURN QUERY SELECT 0::bigint, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  EXECUTE format('SELECT count(*) FROM %I.audit_auditevent WHERE id <= $1', target_schema) USING through_id INTO n;
  IF dry_run THEN
    RETURN QUERY SELECT n, through_id, NULL::bigint;
    RETURN;
  END IF;
  EXECUTE format(
    'INSERT INTO %I.audit_auditevent (occurred_at, actor_id, actor_label, unit_schema, ip, action, object_type,'
    ' object_id, object_repr, before, after, result, detail, prev_hash, hash)'
    ' VALUES (clock_timestamp(), $1, $2, $3, $4, ''audit.purge'', ''audit.AuditEvent'', $5, $6, NULL, $7,'
    ' ''success'', $8, '''', '''') RETURNING id', target_schema)
  USING nullif(current_setting('zt.actor_id', true), '')::bigint,
        left(coalesce(current_setting('zt.actor_label', true), ''), 200),
        target_schema,
        nullif(current_setting('zt.ip', true), '')::inet,
        through_id::text,
        format('≤ #%s', through_id),
        jsonb_build_object('purged_through_id', through_id, 'last_purged_hash', through_hash, 'deleted', n,
                           'cutoff', cutoff, 'retention_days', retention_days),
        format('retention purge: %s events older than %s days', n, retention_days)
  INTO anchor;
  PERFORM set_config('zt.audit_purge_cutoff', cutoff::text, true);
  EXECUTE format('DELETE FROM %I.audit_auditevent WHERE id <= $1', target_schema) USING through_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('zt.audit_purge_cutoff', '', true);
  RETURN QUERY SELECT n, through_id, anchor;
END
$fn$;

-- Hands a schema's trail to the owner role (the function's owner) and leaves the
-- application role SELECT and INSERT on it only. Callable by the application right after
-- it cloned a new unit (the clone is its own until then); migrate_platform, run as the
-- owner, applies the same to every schema.
CREATE OR REPLACE FUNCTION public.zt_audit_seal(target_schema text, app_role text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  tbl regclass := to_regclass(format('%I.audit_auditevent', target_schema));
BEGIN
  IF tbl IS NULL THEN
    RAISE EXCEPTION 'no audit trail in schema %', target_schema USING ERRCODE = 'undefined_table';
  END IF;
  -- Only for roles the owner stands above: the application cannot hand rights elsewhere.
  IF NOT pg_has_role(current_user, app_role, 'MEMBER') THEN
    RAISE EXCEPTION 'role % is not managed by %', app_role, current_user USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (SELECT nspowner FROM pg_namespace WHERE nspname = target_schema) <> to_regrole(current_user) THEN
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', target_schema, current_user);
  END IF;
  IF (SELECT relowner FROM pg_class WHERE oid = tbl) <> to_regrole(current_user) THEN
    EXECUTE format('ALTER TABLE %s OWNER TO %I', tbl, current_user);
  END IF;
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', target_schema, app_role);
  EXECUTE format('REVOKE ALL ON %s FROM %I', tbl, app_role);
  EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM PUBLIC', tbl);
  EXECUTE format('GRANT SELECT, INSERT ON %s TO %I', tbl, app_role);
  EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %s TO %I',
                 pg_get_serial_sequence(tbl::text, 'id'), app_role);
END
$fn$;
"""


def install_functions(conn=None) -> None:
    """(Re)create the shared functions in ``public``. Run at migrate time only: replacing a
    function while another session replaces it fails, so onboarding does not do this."""
    conn = conn or connection
    with conn.cursor() as cur:
        cur.execute(functions_sql())


def functions_installed(conn=None) -> bool:
    conn = conn or connection
    with conn.cursor() as cur:
        cur.execute("SELECT to_regprocedure('public.zt_audit_link()') IS NOT NULL"
                    " AND to_regprocedure('public.zt_audit_rows_changed()') IS NOT NULL"
                    " AND to_regprocedure('public.zt_audit_purge(text, integer, boolean)') IS NOT NULL")
        return bool(cur.fetchone()[0])


# --------------------------------------------------------------------------- triggers

# One statement-level trigger per kind of change (transition tables allow one event each).
CHANGE_TRIGGERS = {
    "zt_audit_insert": ("INSERT", "NEW TABLE AS new_rows"),
    "zt_audit_update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "zt_audit_delete": ("DELETE", "OLD TABLE AS old_rows"),
}
LEGACY_CHANGE_TRIGGER = "zt_audit_changes"  # the first, row-level version
LINK_TRIGGER = "zt_audit_link"
GUARD_TRIGGER = "zt_audit_guard"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class TrackedTable:
    label: str
    table: str
    pk_column: str
    repr_columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]

    def trigger_args(self) -> str:
        for col in (*self.repr_columns, *self.ignored_columns):
            if not _IDENT.match(col):  # the lists travel comma-separated
                raise ValueError(f"unusual column name {col!r} cannot be tracked")
        return ", ".join(_lit(v) for v in (self.label, self.pk_column, ",".join(self.repr_columns),
                                             ",".join(self.ignored_columns)))


def tracked_tables() -> list[TrackedTable]:
    from .tracking import tracked_models

    tables = []
    for spec in tracked_models():
        model = apps.get_model(spec.label)
        tables.append(TrackedTable(
            label=model._meta.label, table=model._meta.db_table, pk_column=model._meta.pk.column,
            repr_columns=tuple(_column(model, n) for n in spec.repr_fields),
            ignored_columns=tuple(_column(model, n) for n in spec.exclude),
        ))
    return tables


def _column(model, name: str) -> str:
    """The column of ``model``'s field ``name`` (a field's name or its column)."""
    fields = model._meta.concrete_fields
    field = next((f for f in fields if f.name == name), None) or next((f for f in fields if f.column == name), None)
    if field is None:
        raise ValueError(f"{model._meta.label} has no field {name!r}")
    return field.column


def _table_exists(cur, schema: str, table: str) -> bool:
    cur.execute("SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL", [schema, table])
    return bool(cur.fetchone()[0])


def install_triggers(schema: str, conn=None) -> list[str]:
    """Put the trail's own triggers and the change triggers of every tracked table that
    exists in ``schema``; drop change triggers of tables no longer tracked. Idempotent.
    Returns the tables that now carry a change trigger."""
    conn = conn or connection
    if not functions_installed(conn):
        install_functions(conn)
    s = _q(schema)
    done = []
    with conn.cursor() as cur:
        if _table_exists(cur, schema, TABLE):
            cur.execute(f"CREATE OR REPLACE TRIGGER {LINK_TRIGGER} BEFORE INSERT ON {s}.{TABLE}"
                        f" FOR EACH ROW EXECUTE FUNCTION public.zt_audit_link()")
            cur.execute(f"CREATE OR REPLACE TRIGGER {GUARD_TRIGGER} BEFORE UPDATE OR DELETE ON {s}.{TABLE}"
                        f" FOR EACH ROW EXECUTE FUNCTION public.zt_audit_guard()")
        wanted = {}
        for t in tracked_tables():
            if _table_exists(cur, schema, t.table):
                wanted[t.table] = t
        cur.execute(
            "SELECT c.relname, g.tgname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND g.tgname = ANY(%s)",
            [schema, [*CHANGE_TRIGGERS, LEGACY_CHANGE_TRIGGER]],
        )
        for relname, tgname in cur.fetchall():
            if relname not in wanted or tgname == LEGACY_CHANGE_TRIGGER:
                cur.execute(f"DROP TRIGGER {tgname} ON {s}.{_q(relname)}")
        for t in wanted.values():
            for name, (event, transitions) in CHANGE_TRIGGERS.items():
                cur.execute(f"CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {s}.{_q(t.table)}"
                            f" REFERENCING {transitions} FOR EACH STATEMENT"
                            f" EXECUTE FUNCTION public.zt_audit_rows_changed({t.trigger_args()})")
            done.append(t.table)
    return done


def missing_triggers(schema: str, conn=None) -> list[str]:
    """What protection is absent or disabled in ``schema`` (empty when all is in place)."""
    conn = conn or connection
    problems = []
    with conn.cursor() as cur:
        def state(table: str, trigger: str):
            cur.execute(
                "SELECT g.tgenabled FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relname = %s AND g.tgname = %s",
                [schema, table, trigger],
            )
            row = cur.fetchone()
            return None if row is None else row[0]

        for trigger in (LINK_TRIGGER, GUARD_TRIGGER):
            st = state(TABLE, trigger)
            if st is None:
                problems.append(f"{TABLE}: trigger {trigger} missing")
            elif st == "D":
                problems.append(f"{TABLE}: trigger {trigger} disabled")
        for t in tracked_tables():
            if not _table_exists(cur, schema, t.table):
                continue
            for name in CHANGE_TRIGGERS:
                st = state(t.table, name)
                if st is None:
                    problems.append(f"{t.table}: change trigger {name} missing")
                elif st == "D":
                    problems.append(f"{t.table}: change trigger {name} disabled")
    return problems


def trail_schemas(conn=None) -> list[str]:
    """Every schema holding an audit trail (public, the template, each unit)."""
    conn = conn or connection
    with conn.cursor() as cur:
        cur.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = %s AND c.relkind IN ('r', 'p') ORDER BY n.nspname = 'public' DESC, n.nspname",
            [TABLE],
        )
        return [r[0] for r in cur.fetchall()]


# --------------------------------------------------------------------------- roles

def seal_trail(schema: str, app_role: str, conn=None) -> None:
    """Leave ``app_role`` only SELECT and INSERT on ``schema``'s trail (see docs/audit.md)."""
    conn = conn or connection
    with conn.cursor() as cur:
        cur.execute("SELECT public.zt_audit_seal(%s, %s)", [schema, app_role])


def grant_app_role(schema: str, app_role: str, conn=None) -> None:
    """The application's ordinary rights on a schema it does not own (everything but the
    trail, which ``seal_trail`` narrows afterwards). Run as the owner role."""
    conn = conn or connection
    s, r = _q(schema), _q(app_role)
    with conn.cursor() as cur:
        cur.execute(f"GRANT USAGE, CREATE ON SCHEMA {s} TO {r}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {s} TO {r}")
        cur.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {s} TO {r}")
    if trail_exists(schema, conn):
        seal_trail(schema, app_role, conn)


def trail_exists(schema: str, conn=None) -> bool:
    conn = conn or connection
    with conn.cursor() as cur:
        return _table_exists(cur, schema, TABLE)


# --------------------------------------------------------------------------- legacy rows

def relink(schema: str, conn=None) -> int:
    """Recompute every link of ``schema``'s trail in id order, in the current format.

    Used once, by migration 0002, to carry events written by the earlier Python-side
    hashing into the database-side format. It rewrites history, so it is not a command:
    the guard trigger must be absent or disabled for it to run.
    """
    conn = conn or connection
    s = _q(schema)
    with conn.cursor() as cur:
        cur.execute(f"SELECT id FROM {s}.{TABLE} ORDER BY id")
        ids = [r[0] for r in cur.fetchall()]
        prev = GENESIS
        for event_id in ids:
            cur.execute(
                f"UPDATE {s}.{TABLE} AS e SET prev_hash = %s, hash = {_digest_sql('e', '%s::text')}"
                f" WHERE id = %s RETURNING hash",
                [prev, prev, event_id],
            )
            prev = cur.fetchone()[0]
        # The link trigger caches the head per transaction; it has just changed under it.
        cur.execute("SELECT set_config('zt.audit_head_' || %s::regclass::oid::bigint, '', true)",
                    [f"{s}.{TABLE}"])
    return len(ids)
