"""What a unit's schema holds, read from PostgreSQL's catalog, and the connection the backup
and restore read and write through."""
from __future__ import annotations

from dataclasses import dataclass

import psycopg
from django.db import connection

from zhengtong.core.errors import Invalid

FORMAT = "zhengtong-unit-backup"
FORMAT_VERSION = 1
PUBLIC = "public"
USER_TABLE = "accounts_user"
UNIT_TABLE = "tenants_unit"
DOMAIN_TABLE = "tenants_domain"
INVITATION_TABLE = "tenants_invitation"
CHUNK = 1 << 20


class BackupError(Invalid):
    """A backup that cannot be made or restored; the message says why (zh/en). Invalid input
    or state in the platform's vocabulary (core.errors); its text is the message itself, as
    the backup and restore commands print it."""

    def __str__(self) -> str:
        return " ".join(self.messages)


# ------------------------------------------------------------------ catalog
def _q(*names: str) -> str:
    return ".".join('"' + n.replace('"', '""') + '"' for n in names)


def schema_tables(cur, schema: str) -> list[str]:
    cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname""", [schema])
    return [r[0] for r in cur.fetchall()]


def table_columns(cur, schema: str, table: str) -> list[str]:
    """Columns COPY can write back (generated columns are computed, not loaded)."""
    cur.execute("""SELECT a.attname FROM pg_attribute a
                    WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
                      AND a.attgenerated = '' ORDER BY a.attnum""", [_q(schema, table)])
    return [r[0] for r in cur.fetchall()]


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str
    target_schema: str
    target_table: str


def foreign_keys(cur, schema: str) -> list[ForeignKey]:
    """Single-column foreign keys of the tables of ``schema``: those the database enforces, and
    those the models declare without a database constraint (``db_constraint=False``: a unit's
    references to people and units in the public schema, kept out of the database so that
    units do not pile triggers onto the public tables — docs/scaling.md). A backup must map
    both kinds the same way."""
    cur.execute("""
        SELECT src.relname, a.attname, tn.nspname, tgt.relname, array_length(c.conkey, 1)
          FROM pg_constraint c
          JOIN pg_class src ON src.oid = c.conrelid
          JOIN pg_namespace sn ON sn.oid = src.relnamespace
          JOIN pg_class tgt ON tgt.oid = c.confrelid
          JOIN pg_namespace tn ON tn.oid = tgt.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND sn.nspname = %s
         ORDER BY 1, 2""", [schema])
    keys = {}
    for table, column, target_schema, target_table, width in cur.fetchall():
        if width != 1:
            raise BackupError(f"{schema}.{table}: multi-column foreign keys are not supported by unit backups")
        keys[table, column] = ForeignKey(table, column, target_schema, target_table)
    for key in _declared_keys(cur, schema):
        keys.setdefault((key.table, key.column), key)
    return [keys[k] for k in sorted(keys)]


def _declared_keys(cur, schema: str) -> list[ForeignKey]:
    """The models' references without a database constraint among the tables of ``schema``;
    the target is in ``schema`` when its table is there, else in the public schema."""
    from django.apps import apps

    tables = set(schema_tables(cur, schema))
    keys = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and not field.db_constraint:
                target = field.related_model._meta.db_table
                keys.append(ForeignKey(model._meta.db_table, field.column, schema if target in tables else PUBLIC,
                                       target))
    return keys


def schema_sequences(cur, schema: str) -> list[dict]:
    cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = %s AND c.relkind = 'S' ORDER BY c.relname""", [schema])
    out = []
    for (name,) in cur.fetchall():
        cur.execute(f"SELECT last_value, is_called FROM {_q(schema, name)}")
        last_value, is_called = cur.fetchone()
        out.append({"name": name, "last_value": last_value, "is_called": is_called})
    return out


def table_fingerprint(cur, schema: str, table: str) -> tuple[int, str]:
    """(row count, checksum). The checksum is order-independent: the md5 of the sorted
    md5s of the rows' text forms."""
    cur.execute(f"""SELECT count(*), coalesce(md5(string_agg(h, ',' ORDER BY h)), '')
                      FROM (SELECT md5(t::text) AS h FROM {_q(schema, table)} t) rows""")
    count, digest = cur.fetchone()
    return count, digest


def schema_fingerprint(cur, schema: str) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table of ``schema``."""
    return {t: table_fingerprint(cur, schema, t) for t in schema_tables(cur, schema)}


def _applied_migrations(cur, schema: str) -> list[list[str]]:
    cur.execute(f"SELECT app, name FROM {_q(schema, 'django_migrations')} ORDER BY app, name")
    return [list(r) for r in cur.fetchall()]


def _session_settings(cur, *, local: bool = False) -> None:
    # Text forms (COPY and checksums) must not depend on who runs the command. LOCAL
    # inside the restore's transaction: the web process's connection keeps its own.
    scope = "LOCAL " if local else ""
    for name, value in (("TimeZone", "UTC"), ("DateStyle", "ISO, YMD"), ("IntervalStyle", "postgres"),
                        ("extra_float_digits", "1"), ("bytea_output", "hex")):
        cur.execute(f"SET {scope}{name} = '{value}'")


def _raw_connection() -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"] or None,
                           password=s["PASSWORD"] or None, dbname=s["NAME"], autocommit=False)
