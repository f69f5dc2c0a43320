"""Two people deciding the same step at the same moment, with real concurrent transactions:
two threads, each with its own database connection, on committed data in a unit created
for the test (and dropped afterwards). Not inside the test transaction, which would hide
the other connection's work."""
from __future__ import annotations

import threading
import time

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.committed import committed_asset, committed_unit
from zhengtong.approvals import services
from zhengtong.approvals.models import ApprovalAction, ApprovalRequest, ApprovalStep, DistrictPendingStep
from zhengtong.audit.models import AuditEvent
from zhengtong.core.errors import Conflict

DISPOSAL = "assets.disposal"


def race(unit, calls: dict[str, callable], *, hold: float = 0.6) -> tuple[dict, dict]:
    """Run ``calls`` at the same moment, one thread and connection each.

    Every thread lingers ``hold`` seconds right after taking the request's row lock, so the
    other is certainly inside its own transaction, queued on that lock. Returns each call's
    outcome and how long each thread waited for the lock.
    """
    barrier = threading.Barrier(len(calls))
    outcome: dict[str, object] = {}
    waited: dict[str, float] = {}

    def run(key, call):
        def linger(execute, sql, params, many, context):
            start = time.monotonic()
            result = execute(sql, params, many, context)
            if "FOR UPDATE" in sql and "approvals_approvalrequest" in sql:
                waited[key] = time.monotonic() - start
                time.sleep(hold)
            return result

        try:
            with connection.execute_wrapper(linger), schema_context(unit.schema_name):
                barrier.wait(timeout=30)
                outcome[key] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcome[key] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcome, waited


def test_two_approvers_on_one_step_make_exactly_one_transition(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, {
        "officer": (["assets.asset_officer"], []), "head": (["platform.unit_admin"], []),
        "deputy": (["platform.unit_admin"], []), "finance": ([], ["district.finance_bureau"]),
    }) as (unit, users):
        asset = committed_asset(unit, "80000.00")  # unit head, then the district finance bureau
        with schema_context(unit.schema_name):
            req = services.approval_submit(type_key=DISPOSAL, subject_id=asset.pk, actor=users["officer"])
            step = ApprovalStep.objects.get(request=req, status="active")

        def approve(key):
            return lambda: services.approval_decide(request_id=req.pk, step_id=step.pk, actor=users[key],
                                                    decision="approve", comment=f"{key} 同意")

        outcome, waited = race(unit, {"head": approve("head"), "deputy": approve("deputy")})
        winners = [k for k, v in outcome.items() if isinstance(v, ApprovalRequest)]
        losers = [k for k, v in outcome.items() if isinstance(v, Conflict)]
        assert len(winners) == 1 and len(losers) == 1, outcome
        winner, loser = winners[0], losers[0]
        # The loser really ran at the same time: it queued on the winner's row lock.
        assert waited[loser] > 0.3 > waited[winner]
        with schema_context(unit.schema_name):
            step.refresh_from_db()
            assert step.status == "approved" and step.decided_by_id == users[winner].pk
            message = outcome[loser].message
            assert f"已由{winner}于" in message
            assert timezone.localtime(step.decided_at).strftime("%Y-%m-%d %H:%M:%S") in message
            assert ApprovalAction.objects.filter(request=req, kind="approve").count() == 1
            assert ApprovalStep.objects.filter(request=req, key="finance_bureau", status="active").count() == 1
            assert AuditEvent.objects.filter(action="approvals.approve", object_id=str(req.pk),
                                             result="success").count() == 1
            assert AuditEvent.objects.filter(action="approvals.approve", object_id=str(req.pk),
                                             result="failure", actor_id=users[loser].pk).count() == 1
        with schema_context("public"):
            assert DistrictPendingStep.objects.filter(unit=unit, request_id=req.pk).count() == 1


def test_a_committee_vote_race_counts_both_votes_and_closes_the_step_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, {
        "officer": (["assets.asset_officer"], []), "a": (["platform.unit_admin"], []),
        "b": (["platform.unit_admin"], []), "c": (["platform.unit_admin"], []),
    }) as (unit, users):
        with schema_context(unit.schema_name):
            services.approval_chain_update(type_key=DISPOSAL, actor=users["a"], steps=[
                {"key": "board", "name_zh": "班子集体决策", "role": "platform.unit_admin", "quorum": 2}])
        asset = committed_asset(unit, "3000.00")
        with schema_context(unit.schema_name):
            req = services.approval_submit(type_key=DISPOSAL, subject_id=asset.pk, actor=users["officer"])
            step = ApprovalStep.objects.get(request=req)

        def approve(key):
            return lambda: services.approval_decide(request_id=req.pk, step_id=step.pk, actor=users[key],
                                                    decision="approve")

        outcome, waited = race(unit, {"a": approve("a"), "b": approve("b")})
        assert all(isinstance(v, ApprovalRequest) for v in outcome.values()), outcome
        assert max(waited.values()) > 0.3  # one vote waited for the other
        with schema_context(unit.schema_name):
            step.refresh_from_db()
            req.refresh_from_db()
            assert step.status == "approved" and req.status == "approved"
            assert ApprovalAction.objects.filter(request=req, kind="approve").count() == 2
            assert ApprovalAction.objects.filter(request=req, kind="complete").count() == 1
            from modules.assets.models import Asset

            assert Asset.objects.get(pk=asset.pk).status == "disposed"
            assert AuditEvent.objects.filter(action="assets.asset.disposal", object_id=str(asset.pk),
                                             after={"status": "disposed"}).count() == 1
