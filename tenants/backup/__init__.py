"""Backup of one unit, and its restore into a new unit.

A backup is a zip file holding:
- ``manifest.json``: source unit, the schema's applied migrations, every table with its
  columns, row count and checksum, sequence positions, the shared rows included, files;
- ``schema/<table>.copy``: each table of the unit's schema in PostgreSQL's COPY text format;
- ``public/<table>.copy``: the unit's rows in shared (public) tables — its unit row, domains,
  module switches, memberships, invitations and any other table pointing at the unit —
  plus ``public/accounts_user.copy``, the accounts the unit's rows refer to;
- ``media/…``: the unit's uploaded files (MEDIA_ROOT/<schema>/).

Why COPY through psycopg and not pg_dump: the project runs on the system's PostgreSQL 15
and on the embedded pgserver's PostgreSQL 16, and pg_dump refuses to dump a server newer
than itself, so the commands would have to find the right binaries for each server. A
pg_dump of a schema is also written for *that* schema's name, while a restore here goes
into a new schema, and the unit's rows in shared tables (which pg_dump cannot select by
unit) need new ids and references. COPY needs no binaries, reads one consistent snapshot
(one REPEATABLE READ transaction for the whole backup) and gives per-table checksums that
the restore verifies before it commits.

The restore clones the template schema for the new unit (so the DDL — tables, indexes,
constraints, triggers — is this installation's), empties it, loads the backup's rows with
user triggers disabled (they would audit or refuse the load), maps accounts by e-mail
(existing accounts are reused, missing ones recreated) and gives shared rows new ids. Shared
rows also name their unit in text: keys that are unique across units (a notification's dedupe
key holds the schema name) and links to the unit's host. The usual recovery restores
yesterday's copy next to the live unit, whose rows still hold those keys, so the copies are
re-keyed to the new unit's schema and host (``_rekey``).
Everything happens in one transaction: a failed restore leaves nothing behind.

The parts: ``catalog`` (tables, columns, foreign keys, fingerprints; the connection),
``copytext`` (COPY text fields), ``create`` (``unit_backup``), ``restore`` (``unit_restore``).
"""
from .catalog import BackupError, schema_fingerprint, table_fingerprint
from .create import BackupResult, unit_backup
from .restore import RestoreResult, read_manifest, unit_restore

__all__ = [
    "BackupError", "BackupResult", "RestoreResult", "read_manifest", "schema_fingerprint", "table_fingerprint",
    "unit_backup", "unit_restore",
]
