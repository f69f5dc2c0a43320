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
    from modules.personnel import services
    from modules.personnel.models import Transfer
    from tenants.models import UnitModule
    from tests.support.committed import committed_unit
    from tests.support.factories import DepartmentFactory, PersonFactory, PostFactory
    from tests.support.factories.personnel import id_number

    people = {"hr1": (["personnel.hr"], []), "hr2": (["personnel.hr"], []), "leader": (["personnel.leader"], [])}
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, people) as (unit, users):
        UnitModule.objects.get_or_create(unit=unit, module_key="personnel")
        hr = users["hr1"]
        made_by_hr = {"unit": unit, "actor": hr}
        office = DepartmentFactory(**made_by_hr, name="办公室")
        finance = DepartmentFactory(**made_by_hr, name="财务科")
        clerk = PostFactory(**made_by_hr, department=office, title="文秘", establishment=5)
        accountant = PostFactory(**made_by_hr, department=finance, title="会计", establishment=1)
        movers = [PersonFactory(**made_by_hr, name=f"候选{n}", gender="female", id_number=id_number(date(1990, 1, 1)),
                                entry_date=date(2021, 1, 1), post=clerk, rank="")
                  for n in range(2)]
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
