"""Two HR officers ask, at the same moment, to move two people into the last place of a post:
the post row is locked while its vacancy is counted, so exactly one request goes through and
the other is refused as over the establishment (committed data, two real connections)."""
from __future__ import annotations

import threading
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context


def test_the_last_place_goes_to_one_of_two_simultaneous_requests(django_db_setup, django_db_blocker):
    from modules.personnel import crypto, services
    from modules.personnel.models import Transfer
    from tenants.models import UnitModule
    from tests.support.committed import committed_unit

    people = {"hr1": (["personnel.hr"], []), "hr2": (["personnel.hr"], []), "leader": (["personnel.leader"], [])}
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, people) as (unit, users):
        UnitModule.objects.get_or_create(unit=unit, module_key="personnel")
        with schema_context(unit.schema_name):
            hr = users["hr1"]
            office = services.department_create(actor=hr, name="办公室")
            finance = services.department_create(actor=hr, name="财务科")
            clerk = services.post_create(actor=hr, department=office, title="文秘", establishment=5)
            accountant = services.post_create(actor=hr, department=finance, title="会计", establishment=1)
            movers = []
            for n in range(2):
                first17 = f"11010119900101{n:03d}"
                movers.append(services.person_create(
                    actor=hr, name=f"候选{n}", gender="female",
                    id_number=first17 + crypto.id_number_check_digit(first17),
                    entry_date=date(2021, 1, 1), employment_type="civil_servant", post=clerk))
        barrier = threading.Barrier(2)
        outcome: dict[str, str] = {}

        def ask(key, person):
            try:
                with schema_context(unit.schema_name):
                    barrier.wait(timeout=10)
                    services.transfer_request(actor=users[key], person=person, kind="internal",
                                              effective_date=date(2026, 3, 1), reason="工作需要",
                                              after_post=accountant)
                outcome[key] = "requested"
            except ValidationError as exc:
                outcome[key] = getattr(exc, "code", "") or "refused"
            finally:
                connection.close()

        threads = [threading.Thread(target=ask, args=(k, p)) for k, p in (("hr1", movers[0]), ("hr2", movers[1]))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcome.values()) == ["establishment_full", "requested"], outcome
        with schema_context(unit.schema_name):
            assert Transfer.objects.filter(after_post=accountant).count() == 1
