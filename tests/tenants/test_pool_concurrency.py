"""Schema makers at the same moment queue, they do not deadlock (issue 12): adding a new
schema's foreign keys locks public.accounts_user and public.tenants_unit, and an onboarding
inserts its unit row first. Taken in different orders, two onboardings — or an onboarding and
the pool's refill — deadlocked (seen beside a bulk onboarding at ~500 units)."""
import threading
import uuid

import pytest
from django.db import connection, connections


@pytest.mark.worker  # committed data, several connections at once
def test_onboardings_and_a_refill_making_schemas_at_once_all_succeed(django_db_setup, django_db_blocker):
    from tenants import pool
    from tenants.models import Unit
    from tenants.services import unit_onboard
    from tests.support.committed import drop_unit

    tag = uuid.uuid4().hex[:6]
    slugs = [f"dl{tag}-a", f"dl{tag}-b"]
    errors: list[BaseException] = []
    with django_db_blocker.unblock():
        pool.pool_drain()  # onboarding replays the snapshot, as when the pool is empty
        start = threading.Barrier(3)

        def run(work):
            try:
                start.wait(timeout=60)
                work()
            except BaseException as exc:  # noqa: BLE001 — every failure is reported below
                errors.append(exc)
            finally:
                connections.close_all()

        jobs = [lambda s=s: unit_onboard(name=f"并发单位{s}", slug=s, module_keys=["assets"], check_actor=False,
                                          send_invite=False) for s in slugs]
        jobs.append(lambda: pool.pool_refill(size=1))
        threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=600)
            assert errors == []
            assert sorted(Unit.objects.filter(slug__in=slugs).values_list("slug", flat=True)) == slugs
        finally:
            connection.set_schema_to_public()
            for unit in Unit.objects.filter(slug__in=slugs):
                drop_unit(unit)
            pool.pool_drain()
