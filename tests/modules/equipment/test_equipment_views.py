"""The equipment pages as people use them: what each role may open, what a member of another
unit gets for the same ids, and the journey through check-out, exam, fault and repair."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django_tenants.utils import schema_context

from modules.equipment.models import Device, LogbookEntry, RepairTicket

from ...conftest import ALPHA_HOST, BETA_HOST
from .equipment_factories import (
    MANAGER,
    MODULE_ADMIN,
    TECHNICIAN,
    USER,
    make_course,
    make_device,
    make_place,
    make_type,
)

SHARED = 731001  # an id held by objects in both units


@pytest.fixture
def world(alpha, beta, make_user):
    """Alpha and beta each hold a place, type, device, course and ticket with the SAME ids,
    named after their unit so a page shows whose it is."""

    class W:
        a_teacher = make_user(alpha, [USER], name="甲老师")
        a_tech = make_user(alpha, [TECHNICIAN], name="甲技术员")
        a_manager = make_user(alpha, [MANAGER], name="甲主任")
        a_admin = make_user(alpha, [MODULE_ADMIN], name="甲模块管理员")
        a_plain = make_user(alpha, ["assets.custodian"], name="甲无设备角色")
        b_member = make_user(beta, [USER, TECHNICIAN, MANAGER, MODULE_ADMIN], name="乙全角色")

    for unit, owner, label in ((alpha, W.a_manager, "ALPHA"), (beta, W.b_member, "BETA")):
        make_course(unit, title=f"{label}培训", pk=SHARED)
        dtype = make_type(unit, name=f"{label}投影仪类型", pk=SHARED)
        place = make_place(unit, responsible=owner, name=f"{label}教室", pk=SHARED)
        device = make_device(unit, device_type=dtype, name=f"{label}投影仪", pk=SHARED, place=place)
        with schema_context(unit.schema_name):
            RepairTicket.objects.create(pk=SHARED, device=device, reported_by=owner, symptom=f"{label}故障")
    return W


OBJECT_PAGES = [
    ("equipment:device_detail", "投影仪"), ("equipment:device_edit", "投影仪"), ("equipment:device_label", "投影仪"),
    ("equipment:device_inspect", "投影仪"), ("equipment:place_detail", "教室"), ("equipment:place_edit", "教室"),
    ("equipment:type_detail", "投影仪类型"), ("equipment:course_detail", "培训"), ("equipment:course_edit", "培训"),
    ("equipment:ticket_detail", "故障"),
]


def test_same_ids_in_another_unit_never_show_alphas_objects(world, client_for, alpha):
    beta_client = client_for(world.b_member, BETA_HOST)
    for name, _ in OBJECT_PAGES:
        url = reverse(name, urlconf="zhengtong.urls_tenant", kwargs={"pk": SHARED})
        # On beta's host the same id is beta's object, never alpha's.
        body = beta_client.get(url).content.decode()
        assert "ALPHA" not in body, name
        # On alpha's host a beta member is no member at all.
        assert client_for(world.b_member, ALPHA_HOST).get(url).status_code == 404, name
    assert "BETA投影仪" in beta_client.get(f"/m/equipment/devices/{SHARED}/").content.decode()
    # Beta's technician cannot move alpha's ticket through beta's host: it changes beta's own, or nothing.
    beta_client.post(f"/m/equipment/repairs/{SHARED}/status/", {"status": "in_repair"})
    with schema_context(alpha.schema_name):
        assert RepairTicket.objects.get(pk=SHARED).status == "reported"


def test_members_without_an_equipment_role_are_refused_everywhere(world, client_for, alpha):
    client = client_for(world.a_plain)
    for name, _ in OBJECT_PAGES:
        url = reverse(name, urlconf="zhengtong.urls_tenant", kwargs={"pk": SHARED})
        assert client.get(url).status_code in (403, 404), name
    for url in ("/m/equipment/devices/", "/m/equipment/places/", "/m/equipment/types/", "/m/equipment/training/",
                "/m/equipment/maintenance/", "/m/equipment/devices/new/", "/m/equipment/places/new/",
                "/m/equipment/types/new/", "/m/equipment/training/new/"):
        assert client.get(url).status_code == 403, url
    # Their own pages answer, empty.
    assert client.get("/m/equipment/").status_code == 200
    assert "ALPHA" not in client.get("/m/equipment/repairs/").content.decode()
    for action in ("checkout", "session", "fault", "acknowledge"):
        assert client.post(f"/m/equipment/devices/{SHARED}/act/{action}/", {"symptom": "x"}).status_code == 404
    with schema_context(alpha.schema_name):
        assert not RepairTicket.objects.filter(symptom="x").exists()


def test_role_checks_on_management_pages(world, client_for):
    teacher = client_for(world.a_teacher)
    tech = client_for(world.a_tech)
    manager = client_for(world.a_manager)
    admin = client_for(world.a_admin)
    # Staff read devices, places, types and training, and manage none of them.
    for url in ("/m/equipment/devices/", f"/m/equipment/devices/{SHARED}/", "/m/equipment/places/",
                "/m/equipment/types/", "/m/equipment/training/", f"/m/equipment/training/{SHARED}/"):
        assert teacher.get(url).status_code == 200, url
    for url in ("/m/equipment/devices/new/", f"/m/equipment/devices/{SHARED}/edit/", "/m/equipment/places/new/",
                "/m/equipment/types/new/", "/m/equipment/training/new/", f"/m/equipment/training/{SHARED}/edit/",
                "/m/equipment/maintenance/", f"/m/equipment/devices/{SHARED}/inspect/"):
        assert teacher.get(url).status_code == 403, url
    assert manager.get("/m/equipment/devices/new/").status_code == 200
    assert manager.get("/m/equipment/types/new/").status_code == 403  # rules belong to the module admin
    assert admin.get("/m/equipment/types/new/").status_code == 200
    assert tech.get("/m/equipment/maintenance/").status_code == 200
    assert tech.get(f"/m/equipment/devices/{SHARED}/inspect/").status_code == 200
    assert tech.get("/m/equipment/devices/new/").status_code == 403


def test_a_non_technician_posting_a_status_gets_403_and_nothing_changes(world, client_for, alpha):
    for user in (world.a_manager, world.a_admin):
        response = client_for(user).post(f"/m/equipment/repairs/{SHARED}/status/", {"status": "fixed"})
        assert response.status_code in (403, 404)
    with schema_context(alpha.schema_name):
        assert RepairTicket.objects.get(pk=SHARED).status == "reported"
    response = client_for(world.a_tech).post(f"/m/equipment/repairs/{SHARED}/status/",
                                             {"status": "fixed", "cost": "35.00", "resolution": "更换灯泡"})
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        ticket = RepairTicket.objects.get(pk=SHARED)
        assert ticket.status == "fixed" and str(ticket.cost) == "35.00"


def test_checkout_page_refuses_without_training_and_allows_after_the_exam(world, client_for, alpha):
    course = make_course(alpha, title="投影仪操作培训（页面）")
    dtype = make_type(alpha, name="页面投影仪", course=course, usage_rules="用后断电。")
    device = make_device(alpha, device_type=dtype, name="页面便携投影仪")
    client = client_for(world.a_teacher)
    page = client.get(f"/m/equipment/devices/{device.pk}/").content.decode()
    assert "投影仪操作培训（页面）" in page and "用后断电。" in page
    response = client.post(f"/m/equipment/devices/{device.pk}/act/checkout/",
                           {"purpose": "公开课", "acknowledge_rules": "on"}, follow=True)
    assert "投影仪操作培训（页面）" in response.content.decode()
    with schema_context(alpha.schema_name):
        assert not LogbookEntry.objects.filter(device=device).exists()
        answers = {f"q{q.pk}": q.correct_option for q in course.questions.all()}
    response = client.post(f"/m/equipment/training/{course.pk}/", answers, follow=True)
    assert response.status_code == 200
    response = client.post(f"/m/equipment/devices/{device.pk}/act/checkout/", {"purpose": "公开课"}, follow=True)
    # The rules were not yet accepted: the page says so and nothing is checked out.
    with schema_context(alpha.schema_name):
        assert Device.objects.get(pk=device.pk).status == "available"
    client.post(f"/m/equipment/devices/{device.pk}/act/checkout/", {"purpose": "公开课", "acknowledge_rules": "on"})
    with schema_context(alpha.schema_name):
        assert Device.objects.get(pk=device.pk).status == "checked_out"
        entry = LogbookEntry.objects.get(device=device)
    assert "页面便携投影仪" in client.get("/m/equipment/").content.decode()
    client.post(f"/m/equipment/checkouts/{entry.pk}/checkin/", {"condition": "good"})
    with schema_context(alpha.schema_name):
        assert Device.objects.get(pk=device.pk).status == "available"


def test_qr_quick_page_and_label(world, client_for, alpha):
    with schema_context(alpha.schema_name):
        device = Device.objects.get(pk=SHARED)
    client = client_for(world.a_teacher)
    label = client.get(f"/m/equipment/devices/{SHARED}/label/")
    assert label.status_code == 200 and b"<svg" in label.content and device.qr_token.encode() in label.content
    quick = client.get(f"/m/equipment/q/{device.qr_token}/")
    assert quick.status_code == 200 and "ALPHA投影仪" in quick.content.decode()
    assert client.get("/m/equipment/q/not-a-token/").status_code == 404
    assert client_for(world.b_member, BETA_HOST).get(f"/m/equipment/q/{device.qr_token}/").status_code == 404
    response = client.post(f"/m/equipment/devices/{SHARED}/act/fault/", {"symptom": "画面发黄"})
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        ticket = RepairTicket.objects.get(symptom="画面发黄")
    # The reporter follows their ticket.
    assert "画面发黄" in client.get(f"/m/equipment/repairs/{ticket.pk}/").content.decode()


def test_module_switched_off_hides_every_page(world, client_for, alpha, operator):
    from tenants.services import unit_module_set

    unit_module_set(unit=alpha, module_key="equipment", enabled=False, actor=operator)
    client = client_for(world.a_manager)
    for url in ("/m/equipment/", "/m/equipment/devices/", f"/m/equipment/devices/{SHARED}/"):
        assert client.get(url).status_code == 404


def test_session_and_room_log_through_the_pages(world, client_for, alpha):
    from django.utils import timezone

    client = client_for(world.a_teacher)
    now = timezone.localtime().replace(second=0, microsecond=0)
    start = (now - timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    end = now.strftime("%Y-%m-%dT%H:%M")
    client.post(f"/m/equipment/devices/{SHARED}/act/session/",
                {"started_at": start, "ended_at": end, "purpose": "语文课", "condition": "good"})
    # The room's responsible person sees the session in the room's log.
    assert "语文课" in client_for(world.a_manager).get(f"/m/equipment/places/{SHARED}/").content.decode()
    # A session ending in the future is refused with a message, nothing logged.
    later = (now + timezone.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/m/equipment/devices/{SHARED}/act/session/",
                           {"started_at": start, "ended_at": later, "purpose": "未来的课", "condition": "good"},
                           follow=True)
    assert response.status_code == 200
    with schema_context(alpha.schema_name):
        assert LogbookEntry.objects.filter(purpose="语文课", kind="session", user=world.a_teacher).exists()
        assert not LogbookEntry.objects.filter(purpose="未来的课").exists()
    # The place page logs use of the room itself.
    client_for(world.a_manager).post(f"/m/equipment/places/{SHARED}/",
                                     {"started_at": start, "ended_at": end, "purpose": "教研活动",
                                      "condition": "good"})
    with schema_context(alpha.schema_name):
        entry = LogbookEntry.objects.get(purpose="教研活动")
        assert entry.place_id == SHARED and entry.device_id is None


def test_the_exam_page_grants_and_the_failures_show_to_the_manager(world, client_for, alpha):
    course = make_course(alpha, title="页面考试培训")
    with schema_context(alpha.schema_name):
        wrong = {f"q{q.pk}": 0 for q in course.questions.all()}
    teacher = client_for(world.a_teacher)
    for _ in range(2):
        teacher.post(f"/m/equipment/training/{course.pk}/", wrong)
    page = client_for(world.a_manager).get(f"/m/equipment/training/{course.pk}/").content.decode()
    assert "甲老师" in page  # listed among those who failed repeatedly
    # Another teacher does not see who failed.
    assert "甲老师" not in client_for(world.a_tech).get(f"/m/equipment/training/{course.pk}/").content.decode()


def test_the_asset_officer_requires_a_training_on_the_type_page(world, client_for, alpha, make_user):
    from modules.equipment.models import DeviceType

    officer = make_user(alpha, ["assets.asset_officer"], name="甲资产专管员")
    course = make_course(alpha, title="专管员要求的培训")
    client = client_for(officer)
    page = client.get(f"/m/equipment/types/{SHARED}/")
    assert page.status_code == 200 and "专管员要求的培训" in page.content.decode()
    client.post(f"/m/equipment/types/{SHARED}/", {"course": course.pk})
    with schema_context(alpha.schema_name):
        assert DeviceType.objects.get(pk=SHARED).required_course_id == course.pk
    # A plain member still may not.
    assert client_for(world.a_plain).post(f"/m/equipment/types/{SHARED}/", {"course": ""}).status_code == 403
    # The teacher reads the type but cannot change it.
    assert client_for(world.a_teacher).post(f"/m/equipment/types/{SHARED}/", {"course": ""}).status_code == 403
    with schema_context(alpha.schema_name):
        assert DeviceType.objects.get(pk=SHARED).required_course_id == course.pk


def test_a_qr_label_opens_only_for_people_who_may_see_the_device(world, client_for, alpha):
    with schema_context(alpha.schema_name):
        token = Device.objects.get(pk=SHARED).qr_token
    assert client_for(world.a_plain).get(f"/m/equipment/q/{token}/").status_code == 404
    assert client_for(world.a_teacher).get(f"/m/equipment/q/{token}/").status_code == 200


def test_the_device_form_never_sets_the_statuses_work_sets(world, client_for, alpha):
    manager = client_for(world.a_manager)
    with schema_context(alpha.schema_name):
        type_id = Device.objects.get(pk=SHARED).device_type_id
    data = {"device_type": type_id, "name": "新投影仪", "status": "checked_out"}
    page = manager.post("/m/equipment/devices/new/", data)
    assert page.status_code == 200  # the form comes back with an error
    with schema_context(alpha.schema_name):
        assert not Device.objects.filter(name="新投影仪").exists()
        Device.objects.filter(pk=SHARED).update(status="in_repair")
    manager.post(f"/m/equipment/devices/{SHARED}/edit/", {"device_type": type_id, "name": "ALPHA投影仪改名",
                                                           "status": "available"})
    with schema_context(alpha.schema_name):
        device = Device.objects.get(pk=SHARED)
        assert device.name == "ALPHA投影仪改名" and device.status == "in_repair"


def test_a_fault_report_carries_its_photo(world, client_for, alpha):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from zhengtong.files.models import Attachment

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    photo = SimpleUploadedFile("投影仪故障.png", out.getvalue(), content_type="image/png")
    client = client_for(world.a_teacher)
    response = client.post(f"/m/equipment/devices/{SHARED}/act/fault/", {"symptom": "灯泡爆裂", "photo": photo})
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        ticket = RepairTicket.objects.get(symptom="灯泡爆裂")
        attachment = Attachment.objects.get(owner_id=ticket.pk, use="equipment.fault_photo")
        assert attachment.extension == "png"
    assert "投影仪故障" in client.get(response["Location"]).content.decode()
    # The technician sees the photo on the ticket too; a plain member cannot open the ticket at all.
    assert "投影仪故障" in client_for(world.a_tech).get(f"/m/equipment/repairs/{ticket.pk}/").content.decode()
    assert client_for(world.a_plain).get(f"/m/equipment/repairs/{ticket.pk}/").status_code == 404
