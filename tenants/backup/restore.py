"""Restoring a backup into a new unit, all or nothing."""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from .catalog import (
    CHUNK,
    DOMAIN_TABLE,
    FORMAT,
    FORMAT_VERSION,
    INVITATION_TABLE,
    PUBLIC,
    UNIT_TABLE,
    USER_TABLE,
    BackupError,
    _applied_migrations,
    _q,
    _session_settings,
    foreign_keys,
    schema_tables,
    table_columns,
    table_fingerprint,
)
from .copytext import _escape, _lines, _rows, _unescape

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


# ------------------------------------------------------------------ restore
@dataclass
class RestoreResult:
    unit: object
    tables: int = 0
    rows: int = 0
    users_reused: int = 0
    users_created: int = 0
    files: int = 0
    notes: list[str] = field(default_factory=list)


def read_manifest(path: Path | str) -> dict:
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise BackupError(_("Not a unit backup file (不是单位备份文件): %(e)s") % {"e": exc}) from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(_("Unsupported backup format (不支持的备份格式)."))
    return manifest


def unit_restore(*, path: Path | str, slug: str, name: str = "", actor: User | None = None) -> RestoreResult:
    """Restore the backup at ``path`` into a new unit ``slug`` (schema u_<slug>, host
    <slug>.<base domain>). All or nothing."""
    from ..services import normalise_slug, validate_unit_fields

    manifest = read_manifest(path)
    slug = normalise_slug(slug)
    errors = validate_unit_fields(name=name or manifest["source"]["name"], slug=slug, credit_code="",
                                  unit_type="other", module_keys=[], admin_email="")
    if errors:
        raise BackupError("; ".join(errors.values()))
    media_target = Path(settings.MEDIA_ROOT) / ("u_" + slug.replace("-", "_"))
    if media_target.exists():
        raise BackupError(_("A media folder for this unit already exists (媒体目录已存在): %(p)s")
                          % {"p": media_target})
    with zipfile.ZipFile(path) as zf:
        # Files first (checked against their checksums), then the database in one
        # transaction; if either fails, the files written so far are removed again.
        try:
            files = _restore_media(zf, manifest, media_target)
            result = _restore_database(zf, manifest, slug=slug, name=name, actor=actor)
        except BaseException:
            shutil.rmtree(media_target, ignore_errors=True)
            raise
    result.files = files
    return result


@transaction.atomic
def _restore_database(zf: zipfile.ZipFile, manifest: dict, *, slug: str, name: str,
                      actor: User | None) -> RestoreResult:
    from django_tenants.utils import schema_context

    from zhengtong.audit.services import audit_record
    from zhengtong.core.hosts import unit_host

    from ..models import Domain, Unit

    connection.set_schema_to_public()
    with connection.cursor() as cur:
        _session_settings(cur, local=True)
        template = settings.TENANT_BASE_SCHEMA
        if _applied_migrations(cur, template) != manifest["migrations"]:
            raise BackupError(_(
                "The backup was made with other database migrations than this installation has; restore it "
                "with the version of Zhengtong that made it (备份与本系统的数据库迁移版本不一致)."))
        users = _restore_users(cur, zf, manifest)
        unit_row = _one_row(zf, f"public/{UNIT_TABLE}.copy", _manifest_public(manifest, UNIT_TABLE)["columns"])
        unit = Unit(slug=slug, schema_name="u_" + slug.replace("-", "_"))
        skip = {"id", "schema_name", "slug", "created", "modified"}
        for f in Unit._meta.concrete_fields:
            if f.column in skip or f.column not in unit_row:
                continue
            setattr(unit, f.attname, f.to_python(unit_row[f.column]))
        unit.owner_id = users.get(int(unit_row["owner_id"]), unit.owner_id)
        if name:
            unit.name = name
        result = RestoreResult(unit=unit, users_reused=users.reused, users_created=users.created)
        if unit.credit_code and Unit.objects.filter(credit_code=unit.credit_code).exists():
            result.notes.append(f"credit code {unit.credit_code} is held by another unit; left empty")
            unit.credit_code = ""
        if unit.district_id and not _exists(cur, "tenants_district", unit.district_id):
            unit.district_id = Unit.objects.get(schema_name=PUBLIC).district_id
        unit.save(verbosity=0)  # clones the template schema (this installation's DDL)
        Domain.objects.create(domain=unit_host(slug), tenant=unit, is_primary=True)
        old_unit_id = int(unit_row["id"])
        result.notes.append(f"host {unit.primary_host} (the backup's hosts were not restored)")

        maps: dict[str, dict[int, int]] = {USER_TABLE: users.mapping, UNIT_TABLE: {old_unit_id: unit.pk}}
        rename = _Rename(old_schema=manifest["source"]["schema"], new_schema=unit.schema_name,
                         old_host=manifest["source"].get("host") or "", new_host=unit.primary_host)
        result.rows += _restore_public_rows(cur, zf, manifest, maps, rename, result)
        result.tables, rows = _restore_schema(cur, zf, manifest, unit.schema_name, maps)
        result.rows += rows
        with schema_context(PUBLIC):
            audit_record(action="unit.restore", actor=actor, obj=unit,
                         after={"from": manifest["source"], "backup_created_at": manifest["created_at"],
                                "tables": result.tables, "rows": result.rows})
    connection.set_schema_to_public()
    return result


@dataclass
class _UserMap:
    mapping: dict[int, int]
    reused: int
    created: int

    def get(self, key, default=None):
        return self.mapping.get(key, default)


def _restore_users(cur, zf, manifest) -> _UserMap:
    """Accounts are global: one that exists (same e-mail) is reused as it is now; one that
    no longer exists is recreated from the backup, under a new id."""
    columns = manifest["users"]["columns"]
    if columns != table_columns(cur, PUBLIC, USER_TABLE):
        raise BackupError(_("The backup's account columns differ from this installation's (账户表结构不一致)."))
    id_at, email_at = columns.index("id"), columns.index("email")
    mapping, reused, new_rows = {}, 0, []
    for fields in _rows(zf.read(f"public/{USER_TABLE}.copy")):
        old_id, email = int(fields[id_at]), _unescape(fields[email_at])
        cur.execute(f"SELECT id FROM {_q(PUBLIC, USER_TABLE)} WHERE email = %s", [email])
        row = cur.fetchone()
        if row:
            mapping[old_id] = row[0]
            reused += 1
        else:
            new_rows.append(fields)
    if new_rows:
        new_ids = _new_ids(cur, USER_TABLE, "id", len(new_rows))
        for fields, new_id in zip(new_rows, new_ids, strict=True):
            mapping[int(fields[id_at])] = new_id
            fields[id_at] = str(new_id).encode()
        _copy_in(cur, PUBLIC, USER_TABLE, columns, (b"\t".join(f) for f in new_rows))
    return _UserMap(mapping, reused, len(new_rows))


def _restore_public_rows(cur, zf, manifest, maps: dict[str, dict[int, int]], rename: _Rename,
                         result: RestoreResult) -> int:
    """The unit's rows in shared tables, with new ids and references mapped to the new unit,
    its accounts and each other, and the unit's names in them re-keyed (``_rekey``)."""
    fks = foreign_keys(cur, PUBLIC)
    tables = [p for p in manifest["public"] if p["table"] not in (UNIT_TABLE, DOMAIN_TABLE)]
    names = {p["table"] for p in tables}
    # Referenced tables first, so their new ids are known when their referrers are loaded.
    ordered, pending = [], list(tables)
    while pending:
        ready = [p for p in pending if not any(fk.table == p["table"] and fk.target_table in names
                                               and fk.target_table != p["table"]
                                               and fk.target_table not in {o["table"] for o in ordered}
                                               for fk in fks)]
        if not ready:
            raise BackupError("circular references between shared tables: " + ", ".join(p["table"] for p in pending))
        ordered += ready
        pending = [p for p in pending if p not in ready]
    total = 0
    for spec in ordered:
        table = spec["table"]
        if spec["columns"] != table_columns(cur, PUBLIC, table):
            raise BackupError(_("The backup's columns of %(t)s differ from this installation's (表结构不一致).")
                              % {"t": table})
        rows = _rows(zf.read(f"public/{table}.copy"))
        if not rows:
            continue
        columns = spec["columns"]
        pk = _serial_primary_key(cur, table)
        if pk:
            at = columns.index(pk)
            new_ids = _new_ids(cur, table, pk, len(rows))
            maps[table] = {int(r[at]): n for r, n in zip(rows, new_ids, strict=True)}
            for r, n in zip(rows, new_ids, strict=True):
                r[at] = str(n).encode()
        for fk in fks:
            if fk.table == table and fk.target_schema == PUBLIC and fk.target_table in maps:
                at = columns.index(fk.column)
                for r in rows:
                    r[at] = _mapped(r[at], maps[fk.target_table], f"{table}.{fk.column}")
        if table == INVITATION_TABLE:
            _fresh_tokens_if_taken(cur, columns, rows, result)
        unit_columns = {fk.column for fk in fks if fk.table == table and fk.target_table == UNIT_TABLE}
        _rekey(cur, table, columns, rows, unit_columns, rename, result)
        _copy_in(cur, PUBLIC, table, columns, (b"\t".join(r) for r in rows))
        total += len(rows)
    return total


@dataclass(frozen=True)
class _Rename:
    """The backed-up unit's names (schema, host) and the restored unit's."""

    old_schema: str
    new_schema: str
    old_host: str
    new_host: str

    def key(self, value: str) -> str:
        """The schema name as a whole word (keys read like ``u_x:step:5:waiting``)."""
        return re.sub(rf"(?<![\w-]){re.escape(self.old_schema)}(?![\w-])", self.new_schema, value)

    def url(self, value: str) -> str:
        """Links to the unit's host (``http://x.zt.example:8000/…``) lead to the new unit."""
        if not self.old_host:
            return value
        return re.sub(rf"(?<=://){re.escape(self.old_host)}(?=[:/?#]|$)", self.new_host, value)


def _text_columns(cur, table: str) -> dict[str, int | None]:
    """Text columns of a shared table and their length limits (None: no limit)."""
    cur.execute("""SELECT a.attname, CASE WHEN a.atttypid = 'varchar'::regtype AND a.atttypmod > 4
                                          THEN a.atttypmod - 4 END
                     FROM pg_attribute a
                    WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
                      AND a.atttypid IN ('text'::regtype, 'varchar'::regtype)""", [_q(PUBLIC, table)])
    return dict(cur.fetchall())


def _unique_keys(cur, table: str) -> list[list[str]]:
    """The columns of each unique index of a shared table (primary key and expression indexes left out)."""
    cur.execute("""SELECT array_agg(a.attname ORDER BY k.ord), bool_and(k.attnum > 0)
                     FROM pg_index i
                    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                     LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                    WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary
                    GROUP BY i.indexrelid""", [_q(PUBLIC, table)])
    return [list(cols) for cols, plain in cur.fetchall() if plain]


def _rekey(cur, table: str, columns: list[str], rows: list[list[bytes]], unit_columns: set[str],
           rename: _Rename, result: RestoreResult) -> None:
    """Give the restored rows the new unit's names where they carry the old unit's.

    A unique key that does not include the unit column is shared with every other unit's
    rows (a notification's recipient and dedupe key): its text names the schema, which
    becomes the new schema's name — and the restored unit's own later checks, which build
    their keys from its schema, still find them (told once stays once). A key that does not
    name the unit but is taken all the same gets the new schema appended, so the copy stays
    apart from the original's row. Links to the old host lead to the new one.
    """
    text = _text_columns(cur, table)
    keys = [k for k in _unique_keys(cur, table) if not set(k) & unit_columns and set(k) & set(text)]
    key_text = {c for k in keys for c in k if c in text}
    at = {c: columns.index(c) for c in text if c in columns}
    changed: set[int] = set()
    rekeyed: set[int] = set()  # rows whose key now names the new unit: unique by that alone
    for n, r in enumerate(rows):
        for column, i in at.items():
            value = _unescape(r[i])
            if value is None:
                continue
            new = rename.url(value)
            if column in key_text and rename.key(new) != new:
                new = rename.key(new)
                rekeyed.add(n)
            if new != value:
                r[i] = _escape(new)
                changed.add(n)
    suffix = ":" + rename.new_schema
    for key in keys:
        where = " AND ".join(f"{_q(c)}::text = %s" for c in key)
        first_text = next(c for c in key if c in text)
        for n, r in enumerate(rows):
            values = [_unescape(r[columns.index(c)]) for c in key]
            # An empty or missing value is no key (e.g. notifications without a dedupe key).
            if n in rekeyed or any(v is None or v == "" for v in values):
                continue
            cur.execute(f"SELECT 1 FROM {_q(PUBLIC, table)} WHERE {where} LIMIT 1", values)
            if cur.fetchone():
                i = columns.index(first_text)
                limit = text[first_text]
                base = _unescape(r[i])
                r[i] = _escape((base[:limit - len(suffix)] if limit else base) + suffix)
                rekeyed.add(n)
                changed.add(n)
    if changed:
        result.notes.append(f"{len(changed)} shared row(s) of {table} re-keyed to the new unit")


def _fresh_tokens_if_taken(cur, columns, rows, result: RestoreResult) -> None:
    # Only the hash of an invitation's token is stored, and it is unique: while the
    # original unit still holds it, the restored copy gets an unusable hash instead.
    at = columns.index("token_hash")
    taken = 0
    for r in rows:
        cur.execute(f"SELECT 1 FROM {_q(PUBLIC, INVITATION_TABLE)} WHERE token_hash = %s", [_unescape(r[at])])
        if cur.fetchone():
            r[at] = secrets.token_hex(32).encode()
            taken += 1
    if taken:
        result.notes.append(f"{taken} invitation link(s) stay with the original unit; send new ones if needed")


def _restore_schema(cur, zf, manifest, schema: str, maps) -> tuple[int, int]:
    """Empty the freshly cloned schema and load the backup's tables into it."""
    tables = schema_tables(cur, schema)
    wanted = {t["name"]: t for t in manifest["tables"]}
    if set(tables) != set(wanted):
        raise BackupError(_("The backup's tables differ from this installation's (表不一致): %(d)s")
                          % {"d": ", ".join(sorted(set(tables) ^ set(wanted)))})
    for t in tables:
        if table_columns(cur, schema, t) != wanted[t]["columns"]:
            raise BackupError(_("The backup's columns of %(t)s differ from this installation's (表结构不一致).")
                              % {"t": t})
    # Triggers (audit, history, append-only guards) must neither fire for the load nor
    # refuse it; the rows arrive exactly as they were. Foreign keys stay on (checked at
    # commit: Django's are DEFERRABLE INITIALLY DEFERRED).
    for t in tables:
        cur.execute(f"ALTER TABLE {_q(schema, t)} DISABLE TRIGGER USER")
    cur.execute("TRUNCATE " + ", ".join(_q(schema, t) for t in tables))
    remaps: dict[str, list[tuple[int, dict[int, int], str]]] = {}
    for fk in foreign_keys(cur, schema):
        if fk.target_schema == PUBLIC and fk.target_table in maps:
            cols = wanted[fk.table]["columns"]
            remaps.setdefault(fk.table, []).append(
                (cols.index(fk.column), maps[fk.target_table], f"{fk.table}.{fk.column}"))
        elif fk.target_schema == PUBLIC:
            raise BackupError(f"{schema}.{fk.table}.{fk.column} refers to shared table {fk.target_table}, "
                              "which unit backups do not carry")
    rows = 0
    for t in tables:
        columns = wanted[t]["columns"]
        with zf.open(f"schema/{t}.copy") as src:
            if t in remaps:
                rows += _copy_in(cur, schema, t, columns, _remapped(_lines(src), remaps[t]))
            else:
                rows += _copy_in_raw(cur, schema, t, columns, src)
    # Run the deferred foreign-key checks of the load now (a row pointing nowhere fails
    # here, with the table named); ALTER TABLE is refused while such checks are pending.
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cur.execute("SET CONSTRAINTS ALL DEFERRED")
    for t in tables:
        cur.execute(f"ALTER TABLE {_q(schema, t)} ENABLE TRIGGER USER")
    for seq in manifest["sequences"]:
        if seq["last_value"] is not None:
            cur.execute("SELECT setval(%s::regclass, %s, %s)", [_q(schema, seq["name"]), seq["last_value"],
                                                                seq["is_called"]])
    # Check before committing: every table holds what the backup holds. Checksums are
    # comparable where no id in the table had to change; row counts everywhere.
    for t in tables:
        count, digest = table_fingerprint(cur, schema, t)
        same_ids = all(k == v for _, mapping, _ in remaps.get(t, ()) for k, v in mapping.items())
        if count != wanted[t]["rows"] or (same_ids and digest != wanted[t]["checksum"]):
            raise BackupError(f"restored {t} does not match the backup: {count} rows (backup: {wanted[t]['rows']}), "
                              f"checksum {digest} (backup: {wanted[t]['checksum']})")
    return len(tables), rows


def _remapped(lines: Iterator[bytes], remaps) -> Iterator[bytes]:
    for line in lines:
        fields = line.split(b"\t")
        for at, mapping, label in remaps:
            fields[at] = _mapped(fields[at], mapping, label)
        yield b"\t".join(fields)


def _mapped(value: bytes, mapping: dict[int, int], label: str) -> bytes:
    if value == b"\\N":
        return value
    try:
        return str(mapping[int(value)]).encode()
    except KeyError:
        raise BackupError(f"{label}: id {value.decode()} is not in the backup") from None


def _copy_in(cur, schema: str, table: str, columns: list[str], lines) -> int:
    n = 0
    with cur.copy(f"COPY {_q(schema, table)} ({', '.join(_q(c) for c in columns)}) FROM STDIN") as copy:
        for line in lines:
            copy.write(line + b"\n")
            n += 1
    return n


def _copy_in_raw(cur, schema: str, table: str, columns: list[str], src) -> int:
    n = 0
    with cur.copy(f"COPY {_q(schema, table)} ({', '.join(_q(c) for c in columns)}) FROM STDIN") as copy:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            n += chunk.count(b"\n")
            copy.write(chunk)
    return n


def _new_ids(cur, table: str, column: str, n: int) -> list[int]:
    cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [_q(PUBLIC, table), column, n])
    return [r[0] for r in cur.fetchall()]


def _serial_primary_key(cur, table: str) -> str | None:
    """The table's primary key column if it is a single column numbered by a sequence."""
    cur.execute("""SELECT a.attname FROM pg_index i
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                    WHERE i.indrelid = %s::regclass AND i.indisprimary""", [_q(PUBLIC, table)])
    cols = [r[0] for r in cur.fetchall()]
    if len(cols) != 1:
        return None
    cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [_q(PUBLIC, table), cols[0]])
    return cols[0] if cur.fetchone()[0] else None


def _exists(cur, table: str, pk: int) -> bool:
    cur.execute(f"SELECT 1 FROM {_q(PUBLIC, table)} WHERE id = %s", [pk])
    return cur.fetchone() is not None


def _manifest_public(manifest: dict, table: str) -> dict:
    return next(p for p in manifest["public"] if p["table"] == table)


def _one_row(zf, name: str, columns: list[str]) -> dict[str, str | None]:
    [fields] = _rows(zf.read(name))
    return {c: _unescape(v) for c, v in zip(columns, fields, strict=False)}


def _restore_media(zf: zipfile.ZipFile, manifest: dict, target: Path) -> int:
    count = 0
    for entry in manifest["media"]:
        rel = PurePosixPath(entry["path"])
        if rel.is_absolute() or ".." in rel.parts:
            raise BackupError(f"unsafe path in backup: {entry['path']}")
        dest = target.joinpath(*rel.parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with zf.open(f"media/{entry['path']}") as src, open(dest, "wb") as out:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"file {entry['path']} in the backup is damaged (checksum mismatch)")
        count += 1
    return count
