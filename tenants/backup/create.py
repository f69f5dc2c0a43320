"""Making a unit's backup: one consistent snapshot of its schema, its rows in shared tables,
the accounts they refer to, and its files."""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from django.conf import settings
from django.utils.translation import gettext as _

from .catalog import (
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    PUBLIC,
    UNIT_TABLE,
    USER_TABLE,
    BackupError,
    _applied_migrations,
    _q,
    _raw_connection,
    _session_settings,
    foreign_keys,
    schema_sequences,
    schema_tables,
    table_columns,
    table_fingerprint,
)

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


# ------------------------------------------------------------------ backup
@dataclass
class BackupResult:
    path: Path
    manifest: dict


def unit_backup(*, unit, path: Path | str, actor: User | None = None) -> BackupResult:
    """Write one unit's backup to ``path`` (readable by the owner only: it holds password
    hashes). Reads one consistent snapshot of the database; the export is audited in the
    district's trail."""
    from django_tenants.utils import schema_context

    from zhengtong.audit.services import audit_record

    if unit.is_district_portal:
        raise BackupError(_("The district portal is not a unit and cannot be backed up this way."))
    path = Path(path)
    schema = unit.schema_name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw_file, zipfile.ZipFile(raw_file, "w", zipfile.ZIP_DEFLATED) as zf, \
            _raw_connection() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cur:
            _session_settings(cur)
            manifest = {
                "format": FORMAT, "version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(),
                "server_version": conn.info.server_version,
                "source": {"unit_id": unit.pk, "slug": unit.slug, "schema": schema, "name": unit.name,
                           "host": unit.primary_host},
                "migrations": _applied_migrations(cur, schema),
                "tables": [], "sequences": schema_sequences(cur, schema), "public": [], "skipped": [],
                "media": [],
            }
            # The unit's schema, table by table.
            for table in schema_tables(cur, schema):
                columns = table_columns(cur, schema, table)
                _copy_out(cur, zf, f"schema/{table}.copy",
                          f"COPY {_q(schema, table)} ({', '.join(_q(c) for c in columns)}) TO STDOUT")
                count, digest = table_fingerprint(cur, schema, table)
                manifest["tables"].append({"name": table, "columns": columns, "rows": count, "checksum": digest})
            # The unit's rows in shared tables.
            user_ids = _referenced_users(cur, schema)
            for spec in _public_tables(cur):
                if len(spec["unit_columns"]) > 1:
                    manifest["skipped"].append({"table": spec["table"], "reason": "rows may belong to several units"})
                    continue
                key_column = spec["unit_columns"][0]
                columns = table_columns(cur, PUBLIC, spec["table"])
                where = f"{_q(key_column)} = {int(unit.pk)}"
                user_ids |= _users_in(cur, spec["table"], where)
                count = _copy_out(cur, zf, f"public/{spec['table']}.copy",
                                  f"COPY (SELECT {', '.join(_q(c) for c in columns)} FROM {_q(PUBLIC, spec['table'])} "
                                  f"WHERE {where} ORDER BY 1) TO STDOUT")
                manifest["public"].append({"table": spec["table"], "columns": columns, "rows": count,
                                           "unit_column": key_column})
            user_columns = table_columns(cur, PUBLIC, USER_TABLE)
            ids = ", ".join(str(int(i)) for i in sorted(user_ids)) or "NULL"
            count = _copy_out(cur, zf, f"public/{USER_TABLE}.copy",
                              f"COPY (SELECT {', '.join(_q(c) for c in user_columns)} FROM {_q(PUBLIC, USER_TABLE)} "
                              f"WHERE id IN ({ids}) ORDER BY id) TO STDOUT")
            manifest["users"] = {"columns": user_columns, "rows": count}
        conn.rollback()
        # The unit's files (written after the snapshot: a file uploaded meanwhile may be
        # included without its row, never the other way round, as files are never changed).
        media_root = Path(settings.MEDIA_ROOT) / schema
        if media_root.is_dir():
            for file in sorted(p for p in media_root.rglob("*") if p.is_file()):
                rel = file.relative_to(media_root).as_posix()
                digest = hashlib.sha256()
                with open(file, "rb") as src, zf.open(f"media/{rel}", "w", force_zip64=True) as dst:
                    for chunk in iter(lambda: src.read(CHUNK), b""):
                        digest.update(chunk)
                        dst.write(chunk)
                manifest["media"].append({"path": rel, "size": file.stat().st_size, "sha256": digest.hexdigest()})
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1, default=str))
    with schema_context(PUBLIC):
        audit_record(action="unit.backup", actor=actor, obj=unit,
                     after={"file": str(path), "tables": len(manifest["tables"]), "files": len(manifest["media"]),
                            "snapshot": manifest["created_at"]})
    return BackupResult(path=path, manifest=manifest)


def _copy_out(cur, zf: zipfile.ZipFile, name: str, sql: str) -> int:
    rows = 0
    with zf.open(name, "w", force_zip64=True) as dst, cur.copy(sql) as copy:
        for chunk in copy:
            rows += bytes(chunk).count(b"\n")
            dst.write(chunk)
    return rows


def _public_tables(cur) -> list[dict]:
    """Shared tables with a foreign key to the unit table, besides the unit table itself."""
    by_table: dict[str, list[str]] = {}
    for fk in foreign_keys(cur, PUBLIC):
        if fk.target_schema == PUBLIC and fk.target_table == UNIT_TABLE:
            by_table.setdefault(fk.table, []).append(fk.column)
    specs = [{"table": UNIT_TABLE, "unit_columns": ["id"]}]
    specs += [{"table": t, "unit_columns": cols} for t, cols in sorted(by_table.items())]
    return specs


def _users_in(cur, table: str, where: str) -> set[int]:
    ids: set[int] = set()
    for fk in foreign_keys(cur, PUBLIC):
        if fk.table == table and fk.target_schema == PUBLIC and fk.target_table == USER_TABLE:
            cur.execute(f"SELECT DISTINCT {_q(fk.column)} FROM {_q(PUBLIC, table)} "
                        f"WHERE {where} AND {_q(fk.column)} IS NOT NULL")
            ids |= {r[0] for r in cur.fetchall()}
    return ids


def _referenced_users(cur, schema: str) -> set[int]:
    ids: set[int] = set()
    for fk in foreign_keys(cur, schema):
        if fk.target_schema == PUBLIC and fk.target_table == USER_TABLE:
            cur.execute(f"SELECT DISTINCT {_q(fk.column)} FROM {_q(schema, fk.table)} "
                        f"WHERE {_q(fk.column)} IS NOT NULL")
            ids |= {r[0] for r in cur.fetchall()}
    return ids
