"""Per-unit backup and restore (manage.py backup_unit / restore_unit).

The commands read and write committed data on their own connections, so these tests
work on a committed scratch unit (tests/support/committed.py) and drop every
unit they create.
"""
from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tests.conftest import PASSWORD
from tests.support.committed import drop_unit, drop_users, scratch_unit

OFFICER = "assets.asset_officer"
from tests.support.documents import pdf_bytes  # noqa: E402

PDF = pdf_bytes("invoice of the backed-up unit")  # uploads must be real PDFs


def fill(unit):
    """Committed content of every kind: members and roles, assets with object grants,
    an edit, an attachment on disk, audit events, a pending invitation."""
    from modules.assets.attachments import INVOICE
    from modules.assets.services import asset_register, asset_update
    from tenants.services import invitation_create
    from zhengtong.files.services import attachment_add

    officer = unit.member([OFFICER], "王专管")
    custodian = unit.member(["assets.custodian"], "李老师")
    with schema_context(unit.schema_name):
        assets = [asset_register(actor=officer, name=f"设备{i}", original_value=Decimal("1234.50") * i,
                                 acquired_on=date(2023, 3, i), custodian=custodian if i % 2 else None)
                  for i in range(1, 6)]
        asset_update(actor=officer, asset=assets[0], expected_version=1, location="三楼档案室")
        attachment_add(actor=officer, owner=assets[0], use=INVOICE,
                       upload=SimpleUploadedFile("采购发票.pdf", PDF))
    _, link = invitation_create(unit=unit, email=f"new-{uuid.uuid4().hex[:6]}@scratch.test",
                                role_keys=[OFFICER], actor=None, check_actor=False, send=False)
    return officer, custodian, assets, link.rstrip("/").rsplit("/", 1)[1]


def fingerprint(schema):
    from tenants.backup import schema_fingerprint

    with connection.cursor() as cur:
        return schema_fingerprint(cur, schema)


def shared_rows(unit):
    from tenants.models import Invitation, UnitModule

    return {
        "modules": sorted(UnitModule.objects.filter(unit=unit).values_list("module_key", "enabled")),
        "members": sorted(unit.user_set.values_list("email", flat=True)),
        "invitations": sorted(Invitation.objects.filter(unit=unit).values_list("email", "role_keys", "accepted_at")),
        "unit": (unit.name, unit.unit_type, unit.status, unit.contact_email),
    }


def media_files(schema) -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT) / schema
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def sign_in(host, email) -> Client:
    from zhengtong.accounts.models import User

    user = User.objects.get(email=email)
    assert user.check_password(PASSWORD)  # the account's own password (restored hash included)
    c = Client(HTTP_HOST=host)
    c.force_login(user)
    return c


def test_backup_then_restore_into_a_new_unit_gives_the_same_tables(django_db_setup, django_db_blocker, tmp_path):
    from tenants.models import Unit
    from zhengtong.audit.services import verify_chain

    backup = tmp_path / "unit.zip"
    with scratch_unit(django_db_blocker, prefix="bk") as unit:
        officer, custodian, assets, _ = fill(unit)
        call_command("backup_unit", unit.slug, str(backup), stdout=io.StringIO())
        assert backup.stat().st_mode & 0o077 == 0  # holds password hashes: owner only
        from zhengtong.audit.models import AuditEvent

        assert AuditEvent.objects.filter(action="unit.backup", object_id=str(unit.pk)).exists()  # district trail
        new_slug = f"rs-{uuid.uuid4().hex[:8]}"
        out = io.StringIO()
        call_command("restore_unit", str(backup), new_slug, stdout=out)
        restored = Unit.objects.get(slug=new_slug)
        try:
            assert restored.schema_name == "u_" + new_slug.replace("-", "_")
            assert restored.primary_host == f"{new_slug}.zt.test" and restored.pk != unit.pk
            # every table of the unit's schema: same row count and same checksum
            before, after = fingerprint(unit.schema_name), fingerprint(restored.schema_name)
            assert before == after
            print(f"\n{len(before)} tables, {sum(n for n, _ in before.values())} rows compared")
            assert before["assets_asset"][0] == 5 and before["files_attachment"][0] == 1
            assert before["assets_assetuserobjectpermission"][0] >= 6  # custody grants on cards (direct-FK table)
            assert before["permissions_usertenantpermissions"][0] == 2
            # its rows in shared tables, and its files
            assert shared_rows(restored) == shared_rows(unit)
            assert media_files(restored.schema_name) == media_files(unit.schema_name) != {}
            with schema_context(restored.schema_name):
                assert verify_chain()[1] is None  # the audit trail came over unbroken
            # and it works: members sign in on the new host, see their assets and files
            c = sign_in(restored.primary_host, officer.email)
            with schema_context(restored.schema_name):
                from zhengtong.files.models import Attachment

                attachment = Attachment.objects.get()
            page = c.get(f"/m/assets/{assets[0].pk}/").content.decode()
            assert "三楼档案室" in page and "采购发票.pdf" in page
            r = c.get(f"/files/{attachment.pk}/")
            assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
            r = c.post("/m/assets/new/", {"name": "新登记", "original_value": "10.00", "acquired_on": "2025-01-02"})
            assert r.status_code == 302  # sequences continue after the restored rows
            mine = sign_in(restored.primary_host, custodian.email)
            assert mine.get(f"/m/assets/{assets[0].pk}/").status_code == 200  # object grants came over
            assert mine.get(f"/m/assets/{assets[1].pk}/").status_code == 404
            # the original is untouched
            assert fingerprint(unit.schema_name) == before
            assert "accounts reused 3, recreated 0" in out.getvalue()  # two members and the platform account
        finally:
            drop_unit(restored)


def test_restore_after_the_unit_and_its_accounts_are_gone(django_db_setup, django_db_blocker, tmp_path):
    """Disaster case: the unit's schema and its people's accounts were lost. The restore
    recreates the accounts (they sign in with their old passwords), and the pending
    invitation link works again."""
    from tenants.models import Unit
    from tenants.services import invitation_accept
    from zhengtong.accounts.models import User

    backup = tmp_path / "unit.zip"
    with scratch_unit(django_db_blocker, prefix="bd") as unit:
        officer, custodian, assets, token = fill(unit)
        call_command("backup_unit", unit.slug, str(backup), stdout=io.StringIO())
        before, shared = fingerprint(unit.schema_name), shared_rows(unit)
        emails = [officer.email, custodian.email]
    new_slug = f"rs-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        assert not User.objects.filter(email__in=emails).exists()  # scratch_unit dropped unit and accounts
        out = io.StringIO()
        call_command("restore_unit", str(backup), new_slug, stdout=out)
        restored = Unit.objects.get(slug=new_slug)
        people = list(User.objects.filter(email__in=emails))
        try:
            assert "recreated 2" in out.getvalue() and len(people) == 2
            after = fingerprint(restored.schema_name)
            assert {t: n for t, (n, _) in after.items()} == {t: n for t, (n, _) in before.items()}
            # tables without account references are identical, checksums included
            for table in ("assets_asset", "assets_assetuserobjectpermission", "permissions_usertenantpermissions"):
                assert after[table][1] != before[table][1]  # account ids had to change here
            assert {t: v for t, v in after.items() if t not in (
                "assets_asset", "assets_assetuserobjectpermission", "permissions_usertenantpermissions",
                "files_attachment")} == {t: v for t, v in before.items() if t not in (
                "assets_asset", "assets_assetuserobjectpermission", "permissions_usertenantpermissions",
                "files_attachment")}
            assert shared_rows(restored) == shared
            c = sign_in(restored.primary_host, custodian.email)
            assert c.get(f"/m/assets/{assets[0].pk}/").status_code == 200
            user = invitation_accept(token=token, name="新同事", password="Zt-New-Passw0rd!")
            with schema_context(restored.schema_name):
                assert user.has_role(OFFICER)
            people.append(user)
        finally:
            drop_unit(restored)
            drop_users(people)


def test_a_damaged_backup_restores_nothing(django_db_setup, django_db_blocker, tmp_path):
    from tenants.models import Unit

    backup = tmp_path / "unit.zip"

    def damage(name, change):
        damaged = tmp_path / f"damaged-{uuid.uuid4().hex[:6]}.zip"
        with zipfile.ZipFile(backup) as src, zipfile.ZipFile(damaged, "w") as dst:
            for item in src.infolist():
                data = src.read(item)
                dst.writestr(item, change(data) if item.filename == name else data)
        return damaged

    def wrong_checksum(data):
        manifest = json.loads(data)
        next(t for t in manifest["tables"] if t["name"] == "assets_asset")["checksum"] = "0" * 32
        return json.dumps(manifest).encode()

    with scratch_unit(django_db_blocker, prefix="bx") as unit:
        fill(unit)
        call_command("backup_unit", unit.slug, str(backup), stdout=io.StringIO())
        with zipfile.ZipFile(backup) as zf:
            [media] = [n for n in zf.namelist() if n.startswith("media/")]
        for damaged, message in [(damage("manifest.json", wrong_checksum), "assets_asset"),
                                 (damage(media, lambda data: data.replace(b"invoice", b"INVOICE")), "damaged")]:
            new_slug = f"rs-{uuid.uuid4().hex[:8]}"
            with pytest.raises(CommandError, match=message):
                call_command("restore_unit", str(damaged), new_slug, stdout=io.StringIO())
            assert not Unit.objects.filter(slug=new_slug).exists()
            with connection.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", ["u_" + new_slug.replace("-", "_")])
                assert cur.fetchone() is None
            assert not (Path(settings.MEDIA_ROOT) / ("u_" + new_slug.replace("-", "_"))).exists()
        # nor into a unit that exists
        with pytest.raises(CommandError):
            call_command("restore_unit", str(backup), unit.slug, stdout=io.StringIO())


def test_restore_refuses_what_is_not_a_backup(db, tmp_path):
    bogus = tmp_path / "x.zip"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="不是单位备份文件"):
        call_command("restore_unit", str(bogus), "whatever")


def test_restore_next_to_the_live_original_rekeys_its_shared_rows(django_db_setup, django_db_blocker, tmp_path):
    """The usual recovery: yesterday's copy restored beside the live unit. Its notifications
    (dedupe keys naming the schema, links to the host), a disposal in approval and a file
    come over to the new unit; the original keeps its own, untouched."""
    from modules.assets.services import asset_disposal_request
    from tenants.models import Unit
    from zhengtong.approvals.models import ApprovalRequest
    from zhengtong.approvals.services import approval_decide
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import notify

    def notes(unit):
        return sorted(Notification.objects.filter(unit=unit).values_list(
            "pk", "recipient__email", "kind", "dedupe_key", "url", "title", "read_at"))

    backup = tmp_path / "unit.zip"
    with scratch_unit(django_db_blocker, prefix="bn") as unit:
        officer, custodian, assets, _ = fill(unit)
        head = unit.member(["platform.unit_admin"], "赵局长")
        with schema_context(unit.schema_name):
            request = asset_disposal_request(actor=officer, asset=assets[1].pk, disposal_type="sale",
                                             reason="闲置多年，公开出售")
            # a periodic check's item without the schema in its key, and one without a key
            notify(recipients=[officer], kind=Notification.Kind.MODULE_WARNING, title="定额预警",
                   dedupe_key="assets.quota_over:7:3", email=False)
            notify(recipients=[custodian], kind=Notification.Kind.MODULE_WARNING, title="请核对资产", email=False)
        original_notes, original_tables = notes(unit), fingerprint(unit.schema_name)
        waiting = [n for n in original_notes if n[3].startswith(f"{unit.schema_name}:step:")]
        assert waiting and waiting[0][1] == head.email and unit.primary_host in waiting[0][4]
        call_command("backup_unit", unit.slug, str(backup), stdout=io.StringIO())

        new_slug = f"rs-{uuid.uuid4().hex[:8]}"
        out = io.StringIO()
        call_command("restore_unit", str(backup), new_slug, stdout=out)  # was: UniqueViolation
        restored = Unit.objects.get(slug=new_slug)
        try:
            # The restored unit has the same items, keyed and linked to itself.
            def moved(n):
                key = n[3].replace(unit.schema_name, restored.schema_name) if unit.schema_name in n[3] else \
                    (f"{n[3]}:{restored.schema_name}" if n[3] else "")
                return (n[1], n[2], key, n[4].replace(unit.primary_host, restored.primary_host), n[5], n[6])

            copies = notes(restored)
            assert sorted(c[1:] for c in copies) == sorted(moved(n) for n in original_notes)
            assert not {c[0] for c in copies} & {n[0] for n in original_notes}
            assert "re-keyed to the new unit" in out.getvalue()
            # ... and the original is untouched: its items, its schema, its files.
            assert notes(unit) == original_notes
            assert fingerprint(unit.schema_name) == original_tables
            assert fingerprint(restored.schema_name) == original_tables

            # The head, on the restored unit's host: the inbox item opens the restored request,
            # which is waiting for them there; the file downloads.
            from tests.support.two_factor import verified_session

            c = sign_in(restored.primary_host, head.email)
            verified_session(c, head)  # a unit administrator signs in with the second factor
            item = next(n for n in copies if n[1] == head.email and ":step:" in n[3])
            r = c.post(f"/inbox/{item[0]}/open/")
            assert r.status_code == 302 and r["Location"].startswith(f"http://{restored.primary_host}")
            assert r["Location"].endswith(f"/approvals/{request.pk}/")
            assert f"/approvals/{request.pk}/" in c.get("/approvals/").content.decode()
            with schema_context(restored.schema_name):
                from zhengtong.files.models import Attachment

                attachment = Attachment.objects.get()
            r = sign_in(restored.primary_host, officer.email).get(f"/files/{attachment.pk}/")
            assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
            # Deciding in the restored unit leaves the original's request where it was.
            with schema_context(restored.schema_name):
                req = ApprovalRequest.objects.get(pk=request.pk)
                step = req.steps.get(status="active")
                approval_decide(request_id=req.pk, step_id=step.pk, actor=head, decision="reject", comment="暂缓")
                assert ApprovalRequest.objects.get(pk=request.pk).status == "rejected"
            with schema_context(unit.schema_name):
                assert ApprovalRequest.objects.get(pk=request.pk).status == request.status
            assert notes(unit) == original_notes
        finally:
            drop_unit(restored)
