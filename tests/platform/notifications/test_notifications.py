"""Notifications: one inbox per person across units (unread count in the header, mark
read), e-mail after commit, and periodic checks fanned out to every unit in its own schema —
the last proven with a real Celery worker."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from zhengtong.notifications.models import Notification, PeriodicRun
from zhengtong.notifications.periodic import periodic_tick
from zhengtong.notifications.services import notify


def warn(unit, user, title="资产清查结果待公示", **kw):
    with schema_context(unit.schema_name):
        return notify(recipients=[user], kind=Notification.Kind.MODULE_WARNING, title=title,
                      title_en="Stocktake result awaits public notice", body="请于7日内公示清查结果。",
                      body_en="Publish the stocktake result within 7 days.",
                      url=f"https://{unit.primary_host}/m/assets/", **kw)


def test_one_inbox_across_units_with_unread_count_in_every_header(alpha, beta, make_user, client_for,
                                                                   django_capture_on_commit_callbacks,
                                                                   mailoutbox):
    person = make_user(alpha, ["assets.asset_officer"])
    from zhengtong.accounts.services import member_roles_set

    member_roles_set(unit=beta, user=person, role_keys=["assets.custodian"], actor=None, enforce_grantor=False)
    with django_capture_on_commit_callbacks(execute=True):
        warn(alpha, person)
        warn(beta, person, title="出借资产即将到期")
    with schema_context("public"):
        units = set(Notification.objects.filter(recipient=person).values_list("unit__slug", flat=True))
    assert units == {"alpha", "beta"}  # each item carries its unit
    # Mail went out after commit, in both languages.
    assert len(mailoutbox) == 2 and mailoutbox[0].to == [person.email]
    assert "请于7日内公示清查结果。" in mailoutbox[0].body or "请于7日内公示清查结果。" in mailoutbox[1].body
    assert any("Publish the stocktake result" in m.body for m in mailoutbox)

    for host in (ALPHA_HOST, BETA_HOST, DISTRICT_HOST):
        page = client_for(person, host).get("/").content.decode()
        assert 'class="badge"' in page and ">2</span>" in page, host
    inbox = client_for(person, DISTRICT_HOST).get("/inbox/").content.decode()
    assert "资产清查结果待公示" in inbox and "出借资产即将到期" in inbox and "甲单位" in inbox and "乙单位" in inbox


def test_opening_an_item_marks_it_read_and_only_the_owner_can(alpha, make_user, client_for):
    person = make_user(alpha, ["assets.asset_officer"])
    other = make_user(alpha, ["assets.asset_officer"])
    item = warn(alpha, person)[0]
    assert client_for(other, ALPHA_HOST).post(f"/inbox/{item.pk}/open/").status_code == 404
    r = client_for(person, ALPHA_HOST).post(f"/inbox/{item.pk}/open/")
    assert r.status_code == 302 and r["Location"] == item.url
    with schema_context("public"):
        item.refresh_from_db()
        assert item.read_at is not None
    page = client_for(person, ALPHA_HOST).get("/inbox/").content.decode()
    assert 'class="badge"' not in page
    # Mark all read; and an item pointing elsewhere is never an open redirect.
    with schema_context(alpha.schema_name):
        evil = notify(recipients=[person], kind="module_warning", title="x", url="https://evil.example/")[0]
    r = client_for(person, ALPHA_HOST).post(f"/inbox/{evil.pk}/open/")
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    warn(alpha, person, title="第二条")
    assert client_for(person, ALPHA_HOST).post("/inbox/read-all/").status_code == 302
    with schema_context("public"):
        assert not Notification.objects.filter(recipient=person, read_at__isnull=True).exists()


def test_nothing_is_told_when_the_change_rolls_back(alpha, make_user, django_capture_on_commit_callbacks,
                                                    mailoutbox):
    person = make_user(alpha, [])
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                warn(alpha, person)
                raise RuntimeError("the approval failed")
    with schema_context("public"):
        assert not Notification.objects.filter(recipient=person).exists()
    assert mailoutbox == []


def test_a_dedupe_key_tells_each_person_once(alpha, make_user):
    a, b = make_user(alpha, []), make_user(alpha, [])
    assert len(warn(alpha, a, dedupe_key="stocktake-2026")) == 1
    assert len(warn(alpha, a, dedupe_key="stocktake-2026")) == 0
    assert len(warn(alpha, b, dedupe_key="stocktake-2026")) == 1
    with schema_context("public"):
        assert Notification.objects.filter(dedupe_key="stocktake-2026").count() == 2


def test_the_tick_sends_each_due_job_to_each_unit_once_per_interval(alpha, beta, operator, monkeypatch):
    from tenants.services import unit_module_set, unit_status_set
    from zhengtong.registry.manifest import PeriodicTask
    from zhengtong.registry.registry import get_module

    monkeypatch.setattr(get_module("assets"), "periodic_tasks", (PeriodicTask("assets.idle_check", 3600),))
    unit_module_set(unit=beta, module_key="assets", enabled=False, actor=operator)
    sent: list[tuple[str, str]] = []
    watched = {"zhengtong.approvals.check_deadlines", "assets.idle_check"}
    now = timezone.now()
    periodic_tick(now=now, send=lambda task, schema: sent.append((task, schema)))
    ours = {s for s in sent if s[1] in ("u_alpha", "u_beta") and s[0] in watched}
    assert ours == {("zhengtong.approvals.check_deadlines", "u_alpha"),
                    ("zhengtong.approvals.check_deadlines", "u_beta"),
                    ("assets.idle_check", "u_alpha")}  # beta has the module off
    sent.clear()
    periodic_tick(now=now + timedelta(seconds=60), send=lambda task, schema: sent.append((task, schema)))
    assert not {s for s in sent if s[1] in ("u_alpha", "u_beta") and s[0] in watched}  # not due yet
    periodic_tick(now=now + timedelta(seconds=601), send=lambda task, schema: sent.append((task, schema)))
    assert {s for s in sent if s[1] in ("u_alpha", "u_beta") and s[0] in watched} == {
        ("zhengtong.approvals.check_deadlines", "u_alpha"), ("zhengtong.approvals.check_deadlines", "u_beta")}
    # A suspended unit gets no periodic work.
    unit_status_set(unit=beta, status="suspended", actor=operator)
    sent.clear()
    periodic_tick(now=now + timedelta(seconds=1300), send=lambda task, schema: sent.append((task, schema)))
    assert ("zhengtong.approvals.check_deadlines", "u_alpha") in sent
    assert not [s for s in sent if s[1] == "u_beta"]
    with schema_context("public"):
        assert set(PeriodicRun.objects.filter(schema_name="u_alpha", job__in=watched).values_list("job", flat=True)) \
            == watched


@pytest.mark.worker
def test_beat_tick_fans_deadline_checks_out_to_each_unit_in_its_own_schema(django_db_setup, django_db_blocker):
    """A real worker runs the tick, which sends the deadline check to every unit; each check
    runs in its unit's schema and finds that unit's overdue step (the steps have the same id
    in both units), telling its approver with the right unit on the item."""
    from tests.support.committed import committed_asset, committed_unit
    from tests.support.worker import running_worker
    from zhengtong.approvals import services
    from zhengtong.approvals.models import ApprovalAction, ApprovalStep
    from zhengtong.celery import app

    people = {"officer": (["assets.asset_officer"], []), "head": (["platform.unit_admin"], [])}
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, people) as (one, one_users), \
            committed_unit(django_db_blocker, people) as (two, two_users):
        steps = {}
        for unit, users in ((one, one_users), (two, two_users)):
            asset = committed_asset(unit, "1000.00")
            with schema_context(unit.schema_name):
                req = services.approval_submit(type_key="assets.disposal", subject_id=asset.pk,
                                               actor=users["officer"])
                step = ApprovalStep.objects.get(request=req)
                ApprovalStep.objects.filter(pk=step.pk).update(due_at=timezone.now() - timedelta(hours=1))
                steps[unit.schema_name] = step.pk
        assert steps[one.schema_name] == steps[two.schema_name]  # same ids in both units
        PeriodicRun.objects.all().delete()
        try:
            with running_worker():
                app.send_task("zhengtong.notifications.periodic_tick")  # what beat sends every minute
                deadline = time.monotonic() + 60
                found = {}
                while time.monotonic() < deadline:
                    with schema_context("public"):
                        found = {n.unit.schema_name: n for n in Notification.objects.filter(
                            kind="deadline_overdue", recipient__in=[one_users["head"], two_users["head"]])
                            .select_related("unit")}
                    if len(found) == 2:
                        break
                    time.sleep(0.5)
        finally:
            PeriodicRun.objects.all().delete()
        assert set(found) == {one.schema_name, two.schema_name}
        assert found[one.schema_name].recipient_id == one_users["head"].pk
        assert found[two.schema_name].recipient_id == two_users["head"].pk
        assert found[one.schema_name].url.startswith(f"http://{one.slug}.")
        for unit in (one, two):
            with schema_context(unit.schema_name):
                assert ApprovalAction.objects.filter(step_id=steps[unit.schema_name], kind="overdue").count() == 1


def test_the_tick_claims_per_job_not_per_unit(alpha, beta):
    """One claim statement per job, whatever the number of units (issue 12: ~5,950 claim
    transactions per tick at ~500 units); and a second tick at the same moment sends nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.models import Domain, Unit
    from zhengtong.notifications.periodic import unit_jobs

    def tick(now):
        sent: list[tuple[str, str]] = []
        with CaptureQueriesContext(connection) as ctx:
            periodic_tick(now=now, send=lambda task, schema: sent.append((task, schema)))
        claims = [q for q in ctx.captured_queries if "notifications_periodicrun" in q["sql"]]
        return sent, claims

    now = timezone.now() + timedelta(days=400)  # every job is due for every unit
    _, claims_two_units = tick(now)
    # Forty more active units (rows only: the tick reads unit rows, the sends are collected here).
    extra = Unit.objects.bulk_create(
        Unit(name=f"定时单位{i}", slug=f"tick-{i:02d}", schema_name=f"u_tick_{i:02d}", owner=alpha.owner,
             district=alpha.district) for i in range(40))
    Domain.objects.bulk_create(Domain(domain=f"tick-{i:02d}.zt.test", tenant=u) for i, u in enumerate(extra))

    later = now + timedelta(days=400)
    sent, claims_many_units = tick(later)
    assert len(claims_many_units) == len(claims_two_units) == len(unit_jobs())
    every_unit_job = [j.task for j in unit_jobs() if j.module_key is None]
    for task in every_unit_job:
        assert {s for t, s in sent if t == task} >= {u.schema_name for u in extra} | {"u_alpha", "u_beta"}
    again, _ = tick(later)  # the same moment again (a second beat): nothing is sent twice
    assert again == []
