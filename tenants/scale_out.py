"""What in a unit schema would break under Citus schema-based sharding (docs/scale-out.md).

With ``citus.enable_schema_based_sharding`` every unit schema becomes a distributed schema,
placed whole on one worker; the public schema's tables become reference tables (copied to
every node). Then:

- a foreign key from a unit schema may point only into the same schema or to a reference
  table — never into another unit's schema;
- a public table the unit schemas point at must be on the reference-table list below (it is
  replicated to every worker; writes to it go through every node, so it should stay small
  and rarely written);
- sequences narrower than BIGINT cannot take inserts routed through workers (Citus puts the
  node id in the high bits of each node's sequence range).

``scale_out_problems`` reads the catalog and names every such object, so a migration that
adds one fails ``tests/tenants/test_scale_out.py`` until it is fixed or documented here.
"""
from __future__ import annotations

from django.db import connection

# Public tables that unit schemas reference, to be made reference tables (docs/scale-out.md).
REFERENCE_TABLES = {"accounts_user", "tenants_unit"}

# The only database-level foreign keys from a unit schema into the public schema: two
# third-party models whose fields we do not declare. Every other reference from a unit's rows
# to a person or a unit (created_by, custodian, ... ~80 fields) is declared with
# ``db_constraint=False``: PostgreSQL keeps a foreign key as two triggers on the *referenced*
# table, so each one added ~2 triggers per unit to public.accounts_user (40,884 at 265 units),
# and adding one more rebuilt that table's trigger list — making a unit's schema cost grow with
# the number of units (6.9 s of a 10 s schema replay at 265 units; docs/scaling.md). Integrity
# holds without them: people are deactivated, never deleted (security.services), and units are
# archived, not deleted.
PUBLIC_FOREIGN_KEYS_KNOWN = {
    ("guardian_userobjectpermission", "accounts_user"): "django-guardian's generic per-object grants",
    ("permissions_usertenantpermissions", "accounts_user"): "django-tenant-users' membership row (profile)",
}

# Narrow (integer) sequences in a unit schema that come from Django's and third-party apps'
# models (AutoField), with why they are tolerated for now. Our own models use BigAutoField
# (settings.DEFAULT_AUTO_FIELD).
NARROW_SEQUENCES_KNOWN = {
    "auth_group_id_seq": "django.contrib.auth; rows written by migrate/sync_roles on the coordinator",
    "auth_permission_id_seq": "django.contrib.auth; rows written by migrate on the coordinator",
    "django_content_type_id_seq": "django.contrib.contenttypes; rows written by migrate on the coordinator",
    "guardian_groupobjectpermission_id_seq": "django-guardian generic grants; widen before routing writes via workers",
    "guardian_userobjectpermission_id_seq": "django-guardian generic grants; widen before routing writes via workers",
    "permissions_usertenantpermissions_id_seq": "django-tenant-users memberships; widen before routing writes "
                                                "via workers",
}


def scale_out_problems(schema: str) -> list[str]:
    """Every object of ``schema`` that Citus schema-based sharding would refuse or break."""
    problems: list[str] = []
    with connection.cursor() as cur:
        cur.execute(
            """SELECT c.conname, src.relname, nf.nspname, cf.relname
                 FROM pg_constraint c
                 JOIN pg_class src ON src.oid = c.conrelid
                 JOIN pg_class cf ON cf.oid = c.confrelid
                 JOIN pg_namespace nf ON nf.oid = cf.relnamespace
                WHERE c.contype = 'f' AND c.connamespace = %s::regnamespace AND nf.nspname <> %s
                ORDER BY 2, 1""",
            [schema, schema],
        )
        for name, table, target_schema, target in cur.fetchall():
            if target_schema != "public":
                problems.append(f"foreign key {table}.{name} points into schema {target_schema} ({target}): "
                                f"another unit's schema cannot be referenced")
            elif target not in REFERENCE_TABLES:
                problems.append(f"foreign key {table}.{name} points at public.{target}, which is not on the "
                                f"reference-table list (tenants/scale_out.py, docs/scale-out.md)")
            elif (table, target) not in PUBLIC_FOREIGN_KEYS_KNOWN:
                problems.append(f"foreign key {table}.{name} points at public.{target}: declare the field with "
                                f"db_constraint=False (every such key adds two triggers per unit to the public "
                                f"table; tenants/scale_out.py PUBLIC_FOREIGN_KEYS_KNOWN)")
        cur.execute(
            """SELECT s.relname, seq.seqtypid::regtype::text
                 FROM pg_sequence seq JOIN pg_class s ON s.oid = seq.seqrelid
                WHERE s.relnamespace = %s::regnamespace AND seq.seqtypid <> 'bigint'::regtype
                ORDER BY 1""",
            [schema],
        )
        for sequence, type_name in cur.fetchall():
            if sequence not in NARROW_SEQUENCES_KNOWN:
                problems.append(f"sequence {sequence} is {type_name}, not bigint: inserts through Citus workers "
                                f"would fail")
    return problems
