"""The product's run command seeds the demo district (``manage.py seed_demo``): a second run
changes nothing, the printed logins include the personnel and equipment people, and what
those people see when they sign in is the demo the README promises."""
from io import StringIO

from django.core.management import call_command
from django.db.models import Count
from django_tenants.utils import schema_context

from modules.equipment.models import Device, LogbookEntry, MaintenanceTask, Place, RepairTicket
from modules.personnel import crypto
from modules.personnel.exchange.models import CrossUnitTransfer
from modules.personnel.models import Person, PositionHistory, Transfer
from tenants.models import Unit
from zhengtong.accounts.models import User
from zhengtong.audit.models import AuditEvent

SYXX_HOST, JYJ_HOST, DISTRICT_HOST = "syxx.zt.test", "jyj.zt.test", "zt.test"


def _state() -> dict:
    """Everything the demo writes into the units' schemas and the district's records."""
    state = {"cross_unit": sorted(CrossUnitTransfer.objects.values_list("sender__slug", "receiver__slug", "status")),
             "users": User.objects.filter(email__endswith="@demo.zt").count()}
    for slug in ("jyj", "syxx", "wjj"):
        with schema_context(Unit.objects.get(slug=slug).schema_name):
            state[slug] = (Person.objects.count(), PositionHistory.objects.count(), Transfer.objects.count(),
                           Place.objects.count(), Device.objects.count(), MaintenanceTask.objects.count(),
                           AuditEvent.objects.count())
    return state


def _user(local: str) -> User:
    return User.objects.get(email=f"{local}@demo.zt")


def test_seed_demo_twice_gives_hr_people_transfers_and_school_equipment(db, client_for):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _state()
    call_command("seed_demo", stdout=StringIO())  # every product start runs it again
    assert _state() == first
    logins = out.getvalue()
    for local in ("jyj-hr", "syxx-hr", "wjj-hr", "jyj-head", "syxx-head", "syxx-tech", "syxx-teacher",
                  "syxx-teacher2", "syxx-eqm"):
        assert f"{local}@demo.zt" in logins

    syxx, jyj = Unit.objects.get(slug="syxx"), Unit.objects.get(slug="jyj")
    with schema_context(syxx.schema_name):
        people = list(Person.objects.all())
        assert len(people) == 25
        numbers = [crypto.id_number_decrypt(p.id_number_encrypted) for p in people]
        assert all(crypto.id_number_validate(n) == n for n in numbers)  # check digit and birth date valid
        over = (Person.objects.filter(status__in=Person.OCCUPYING, post__isnull=False).values("post")
                .annotate(n=Count("pk")).values_list("post__title", "post__establishment", "n"))
        assert all(n <= est for _title, est, n in over)  # nobody beyond the establishment
        assert sorted(Transfer.objects.values_list("kind", "status")) == [("internal", "applied"),
                                                                          ("secondment", "applied")]
        moved = Transfer.objects.get(kind="internal").person
        assert [h.department_name for h in moved.history.order_by("start_date")] == ["数学教研组", "教务处"]
        seconded = Person.objects.get(status="seconded_out")
        projector = Device.objects.get(name="三年级(2)班投影仪")
        assert RepairTicket.objects.filter(status="assigned").count() == 1
        assert LogbookEntry.objects.filter(ended_at__isnull=False).count() == 1

    # The school's HR sees the staff list and the transfer from the bureau waiting for her.
    syxx_hr = client_for(_user("syxx-hr"), SYXX_HOST)
    page = syxx_hr.get("/m/personnel/").content.decode()
    assert moved.name in page and seconded.name in page
    pending = CrossUnitTransfer.objects.get(sender=jyj, receiver=syxx)
    assert pending.status == CrossUnitTransfer.Status.ISSUED
    page = syxx_hr.get("/m/personnel/exchange/").content.decode()
    assert pending.person_name in page and "区教育局" in page
    assert syxx_hr.get(f"/m/personnel/exchange/{pending.pk}/").status_code == 200
    # The head of academic affairs sees her office and its teaching groups, not the principal's office.
    page = client_for(_user("syxx-head"), SYXX_HOST).get("/m/personnel/").content.decode()
    assert moved.name in page and seconded.name in page and "袁博" not in page
    # The bureau's HR sees its own staff, not the school's.
    page = client_for(_user("jyj-hr"), JYJ_HOST).get("/m/personnel/").content.decode()
    assert pending.person_name in page and moved.name not in page
    # The district HR bureau has a transfer to decide (health commission -> bureau).
    waiting = CrossUnitTransfer.objects.get(status=CrossUnitTransfer.Status.DISTRICT)
    page = client_for(_user("hr"), DISTRICT_HOST).get(f"/personnel/exchange/{waiting.pk}/").content.decode()
    assert waiting.person_name in page

    # The untrained teacher is refused the projector; the trained one's record is on the device.
    teacher2 = client_for(_user("syxx-teacher2"), SYXX_HOST)
    response = teacher2.post(f"/m/equipment/devices/{projector.pk}/act/checkout/",
                             {"purpose": "数学课", "acknowledge_rules": "on"}, follow=True)
    assert "多媒体设备操作培训" in response.content.decode()
    with schema_context(syxx.schema_name):
        assert Device.objects.get(pk=projector.pk).status == "available"
    teacher = client_for(_user("syxx-teacher"), SYXX_HOST)
    with schema_context(syxx.schema_name):
        own_projector = Device.objects.get(name="一年级(1)班投影仪")
    page = teacher.get(f"/m/equipment/devices/{own_projector.pk}/").content.decode()
    assert "公开课《秋天》" in page
