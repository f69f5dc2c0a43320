"""Unit isolation, proven for every route.

The crawler walks the URL resolver of both URL configurations (unit hosts:
``zhengtong.urls_tenant``; district host: ``zhengtong.urls_public``) and the unit's OpenAPI
schema, builds a concrete URL for every route, and calls it with every method the view
handles as:

  (a) a member of unit B who is not a member of A — on A's host with A's ids, and on B's own
      host with the ids of A's objects (B holds an object with the same id, A one more);
  (b) a member of A holding no permission on the objects;
  (c) an anonymous visitor;
  (d) a member of A holding every ordinary role, on a module switched off for A.

Each must get 404/403/401/405 or a redirect to sign in — never the object. "Never the object"
is checked literally: both units hold objects with the same ids (asset card, audit event, report
document, import job, inspection case — see ``SEEDERS``) carrying a marker string of their unit,
and no response of these cases may contain the marker of a unit whose data the caller may not
see (spreadsheets are unzipped and searched too). Pages without an object id may answer a
member (an empty list, say), as long as no foreign marker shows.

New routes are covered automatically. A route is classified by ``ROUTE_CLASSES`` (in
tests/support/crawler.py, with the rest of the machinery) — its name,
else its URL namespace — and the test FAILS on a route it cannot classify or cannot build a URL
for. So a helper adding pages to an existing area (``/audit/``, ``/reports/``, ``/approvals/``,
``/imports/``, ``/inbox/``, ``/security/``, a module's ``/m/<key>/`` or ``/api/<key>/``) has
nothing to do here; a new top-level include needs one line in ``ROUTE_CLASSES``; a module's district pages are
recognised by their namespace ``<module key>_district``.

A module that stores its own objects can add a seeder to ``SEEDERS`` (create a row with the given
id whose visible text contains the marker) to have its detail pages checked against real rows
with the same ids in both units.
"""
from __future__ import annotations

import json
import logging
import re

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve
from django.urls.resolvers import RoutePattern
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from tests.support.crawler import (  # the machinery; this file holds the data and the tests
    A_ONLY_ID,
    DISTRICT,
    MARK_A,
    MARK_B,
    PUBLIC_URLS,
    SHARED_ID,
    TENANT_URLS,
    UNIT,
    Caller,
    Case,
    Route,
    Tally,
    _params,
    build_path,
    classify,
    collect_routes,
    expect,
    registry_values,
)
from zhengtong.registry.registry import THREE_ADMINS, module_keys, unit_roles


# ----------------------------------------------------------------------------- the data
# Each seeder stores, in ``unit``, an object with the id ``pk`` whose pages show ``marker``.
def seed_asset(unit, *, pk, marker, owner, make_asset):
    make_asset(unit, pk=pk, name=f"{marker} 资产")


def seed_audit_event(unit, *, pk, marker, owner, make_asset):
    from zhengtong.audit.services import audit_record

    audit_record(action="crawler.seed", object_type="assets.Asset", object_id=pk, object_repr=f"{marker} 资产",
                 after={"name": marker})


def seed_report_document(unit, *, pk, marker, owner, make_asset):
    from zhengtong.reports.models import IssuedDocument

    IssuedDocument.objects.create(pk=pk, number=f"{marker}-{pk}", year=2026, sequence=pk,
                                  report_key="assets.register", title=f"{marker} 报表", requested_by=owner)


def seed_import_job(unit, *, pk, marker, owner, make_asset):
    from django.utils import timezone

    from zhengtong.imports.models import ImportJob

    ImportJob.objects.create(pk=pk, definition_key="assets.asset", original_name=f"{marker}.xlsx", size=1,
                             sha256="0" * 64, created_by=owner, created_at=timezone.now(),
                             errors=[{"row": 2, "column": "name", "message": marker}])


def seed_inspection_case(unit, *, pk, marker, owner, make_asset):
    from modules.inspection.models import InspectedEntity, InspectionCase

    entity = InspectedEntity.objects.create(pk=pk, name=f"{marker} 公司", credit_code=f"91{pk:016d}",
                                            industry_code="C1311")
    InspectionCase.objects.create(pk=pk, number=f"JC-{pk}", entity=entity, source=InspectionCase.Source.MANUAL,
                                  reason=marker, selected_by=owner)


def seed_stocktake(unit, *, pk, marker, owner, make_asset):
    # Counting (results unpublished): readable by its managers and counters only. Published
    # results are read by every member of the unit by design (内部公示).
    from modules.assets.stocktake.models import Campaign, StocktakeLine

    campaign = Campaign.objects.create(pk=pk, title=f"{marker} 清查", deadline="2026-12-31", created_by=owner)
    StocktakeLine.objects.create(pk=pk, campaign=campaign, asset_id=pk, number=f"{marker}-{pk}", name=marker,
                                 original_value="1.00", net_value="1.00")


def seed_equipment_custody(unit, *, pk, marker, owner, make_asset):
    # A key, a hand-over task, a damage incident and a semester evaluation with the id (equipment custody).
    # Their place gets an id of its own, so a seeder of the equipment core can use ``pk`` for places.
    from datetime import date

    from modules.equipment.custody.models import CustodyItem, DamageIncident, Evaluation, HandoverTask, Semester
    from modules.equipment.models import Place

    place = Place.objects.create(pk=pk + 7_000_000, name=f"{marker} 考评场所 {pk}", responsible=owner)
    CustodyItem.objects.create(pk=pk, kind="key", name=f"{marker} 钥匙", holder=owner, held_since=date(2026, 1, 5),
                               status="held")
    # closed: one person has one open task per unit, and the owner leaves twice in unit A
    HandoverTask.objects.create(pk=pk, person=owner, person_name=f"{marker} 移交人", source="manual", status="closed")
    DamageIncident.objects.create(pk=pk, title=f"{marker} 损坏", occurred_on=date(2026, 3, 1), kind="loss",
                                  cost="10.00", created_by=owner)
    semester = Semester.objects.create(pk=pk, name=f"{marker} 学期 {pk}", starts_on=date(2026, 2, 1),
                                       ends_on=date(2026, 7, 1))
    Evaluation.objects.create(pk=pk, semester=semester, place=place, responsible=owner, evaluator=owner,
                              status="final", remarks=marker)


def seed_equipment(unit, *, pk, marker, owner, make_asset):
    # A place, device type, device, training course and repair ticket with the id (equipment).
    from modules.equipment.models import Device, DeviceType, Place, RepairTicket, TrainingCourse

    course = TrainingCourse.objects.create(pk=pk, title=f"{marker} 培训 {pk}", material=marker)
    dtype = DeviceType.objects.create(pk=pk, name=f"{marker} 设备类型 {pk}", required_course=course,
                                      usage_rules=marker)
    place = Place.objects.create(pk=pk, name=f"{marker} 教室 {pk}", responsible=owner)
    device = Device.objects.create(pk=pk, device_type=dtype, name=f"{marker} 投影仪", place=place, custodian=owner)
    RepairTicket.objects.create(pk=pk, device=device, reported_by=owner, symptom=marker)


def seed_personnel(unit, *, pk, marker, owner, make_asset):
    # A department, post, staff record (with history), move and hand-over item with the id (personnel).
    from datetime import date

    from modules.personnel import crypto
    from modules.personnel.models import Department, HandoverItem, Person, PositionHistory, Post, Transfer

    dept = Department.objects.create(pk=pk, name=f"{marker} 科室")
    post = Post.objects.create(pk=pk, department=dept, title=f"{marker} 岗位", establishment=1)
    first17 = f"110101198001{pk % 28 + 1:02d}{pk % 1000:03d}"
    number = first17 + crypto.id_number_check_digit(first17)
    person = Person.objects.create(
        pk=pk, name=f"{marker} 人", gender="male", birth_date=crypto.id_number_birth_date(number),
        id_number_encrypted=crypto.id_number_encrypt(number), id_number_hash=crypto.id_number_hash(number),
        id_number_last4=number[-4:], id_number_region=number[:4], entry_date=date(2020, 1, 1),
        employment_type="civil_servant", department=dept, post=post, rank=marker)
    PositionHistory.objects.create(pk=pk, person=person, kind="entry", start_date=date(2020, 1, 1),
                                   department_name=dept.name, post_title=post.title, rank=marker, status="in_post")
    transfer = Transfer.objects.create(pk=pk, person=person, kind="promotion", reason=marker, status="approved",
                                       effective_date=date(2030, 1, 1), after_rank=marker, requested_by=owner)
    HandoverItem.objects.create(pk=pk, transfer=transfer, label=marker)


def seed_personnel_exchange(unit, *, pk, marker, owner, make_asset):
    # A cross-unit transfer (public schema, ids unique) sent by the first unit seeded with ``pk`` to
    # a unit that is neither session unit (personnel exchange): only the sender's HR may see its marker; the
    # named receiver's view is checked by tests/modules/personnel/test_exchange.py.
    import uuid
    from datetime import date

    from modules.personnel.exchange.models import CrossUnitTransfer
    from tenants.models import Unit

    if CrossUnitTransfer.objects.filter(pk=pk).exists():
        return
    with schema_context("public"):  # a receiver that is neither session unit (a row, no schema)
        stranger = Unit.objects.filter(slug="xchg-stranger").first()
        if stranger is None:
            stranger = Unit(name="调入单位（爬虫）", slug="xchg-stranger", schema_name="xchg_stranger",
                            district=unit.district, owner_id=unit.owner_id)
            stranger.auto_create_schema = False
            stranger.save()
    CrossUnitTransfer.objects.create(
        pk=pk, district=unit.district, sender=unit, receiver=stranger, sender_person_id=pk,
        person_uid=uuid.uuid4(), person_name=f"{marker} 调出人", reason=marker, effective_date=date(2030, 1, 1),
        issued_by=owner)


def seed_lending(unit, *, pk, marker, owner, make_asset):
    # An active renting contract on the seeded asset, with an income entry, both with the id (assets leasing).
    from datetime import date
    from decimal import Decimal

    from modules.assets.leasing.models import IncomeEntry, LeaseContract

    contract = LeaseContract.objects.create(pk=pk, asset_id=pk, kind="rent", counterparty=f"{marker} 承租方",
                                            term_start=date(2026, 1, 1), term_end=date(2030, 12, 31),
                                            rent=Decimal("1000.00"), status="active", requested_by=owner)
    IncomeEntry.objects.create(pk=pk, contract=contract, received_on=date(2026, 1, 2), amount=Decimal("100.00"),
                               note=marker, recorded_by=owner)


SEEDERS = [seed_asset, seed_audit_event, seed_report_document, seed_import_job, seed_inspection_case, seed_stocktake,
           seed_equipment_custody, seed_equipment, seed_personnel, seed_personnel_exchange, seed_lending]


@pytest.fixture
def seeded(alpha, beta, make_asset, make_user):
    owner = make_user(None, name="数据所有人")  # belongs to no unit: none of the callers below
    for unit, pk, marker in ((alpha, SHARED_ID, MARK_A), (alpha, A_ONLY_ID, MARK_A), (beta, SHARED_ID, MARK_B)):
        for seed in SEEDERS:
            with schema_context(unit.schema_name):
                seed(unit, pk=pk, marker=marker, owner=owner, make_asset=make_asset)


def ordinary_roles() -> list[str]:
    """Every role of a unit except the three 等保 administrators (mutually exclusive, and
    they need a second factor)."""
    return [r.key for r in unit_roles() if r.key not in THREE_ADMINS]


# ----------------------------------------------------------------------------- the test
@pytest.fixture
def quiet_request_log():
    # Hundreds of deliberate 4xx answers: keep Django's per-request warnings out of the output
    # (server errors are reported by the crawler itself, with their route).
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def test_every_route_keeps_units_apart(alpha, beta, make_user, seeded, operator, capsys, quiet_request_log):
    from tenants.services import unit_module_set

    tenant_routes = collect_routes(TENANT_URLS)
    public_routes = collect_routes(PUBLIC_URLS)
    unclassified = [r.label for r in tenant_routes + public_routes if r.cls is None]
    assert not unclassified, (
        "Routes the isolation crawler cannot classify — add their name or namespace to ROUTE_CLASSES in "
        "tests/platform/security/test_crawler.py:\n  " + "\n  ".join(unclassified))

    outsider = make_user(beta, ordinary_roles(), name="乙单位成员")  # member of B only, every ordinary role
    member_a = make_user(alpha, ["assets.custodian"], name="甲单位普通成员")  # no grant on the seeded objects
    insider = make_user(alpha, ordinary_roles(), name="甲单位全角色成员")

    # The markers are really there for callers who may see them: their absence below means
    # something.
    for user, host, mark in ((insider, ALPHA_HOST, MARK_A), (outsider, BETA_HOST, MARK_B)):
        client = Caller(host, user).client
        assert mark in client.get(f"/m/assets/{SHARED_ID}/").content.decode()
        assert mark in client.get(f"/api/assets/cards/{SHARED_ID}/").content.decode()

    tally = Tally()
    unbuildable = []

    def run(routes, cases):
        for route in routes:
            for case in cases:
                if case.key == "outsider@B-ids" and not route.is_object:
                    continue  # without ids it is the same request as outsider@B
                path = build_path(route, case.object_id, case.unit_slug)
                if path is None:
                    unbuildable.append(route.label)
                    break
                tally.route_cases += 1
                for method in route.methods():
                    expect(route, case, method, tally, path)

    def run_schema(operations, cases):
        """Every operation the unit's OpenAPI schema documents, with its exact method."""
        for path_template, method in operations:
            for case in cases:
                path = re.sub(r"\{[^}]+\}", str(case.object_id), path_template)
                try:
                    func = resolve(path, urlconf=TENANT_URLS).func
                except Resolver404:
                    unbuildable.append(f"schema {method} {path_template}")
                    break
                route = next(r for r in tenant_routes if r.callback == func)
                if case.key == "outsider@B-ids" and not route.is_object:
                    continue
                tally.route_cases += 1
                expect(route, case, method, tally, path)

    unit_cases = [
        Case("anonymous", Caller(ALPHA_HOST), (MARK_A, MARK_B), SHARED_ID),  # (c)
        Case("outsider@A", Caller(ALPHA_HOST, outsider), (MARK_A, MARK_B), SHARED_ID),  # (a) on A's host
        Case("outsider@B", Caller(BETA_HOST, outsider), (MARK_A,), SHARED_ID),  # (a) same ids, B's host
        Case("outsider@B-ids", Caller(BETA_HOST, outsider), (MARK_A,), A_ONLY_ID),  # (a) ids only A has
        Case("member@A", Caller(ALPHA_HOST, member_a), (MARK_A, MARK_B), SHARED_ID),  # (b)
    ]
    district_cases = [
        Case("anonymous", Caller(DISTRICT_HOST), (MARK_A, MARK_B), alpha.pk),  # (c)
        Case("member@D", Caller(DISTRICT_HOST, outsider), (MARK_A, MARK_B), alpha.pk),  # no district role
    ]
    operations = api_operations(insider)  # read while every module is on
    run(tenant_routes, unit_cases)
    run(public_routes, district_cases)
    run_schema(operations, unit_cases)

    # (d) every module switched off for A; A's member holds every ordinary role.
    off_cases = [Case("module-off", Caller(ALPHA_HOST, insider), (MARK_B,), SHARED_ID)]
    for key in module_keys():
        unit_module_set(unit=alpha, module_key=key, enabled=False, actor=operator)
    run(tenant_routes, off_cases)
    run_schema(operations, off_cases)

    assert not unbuildable, "Routes the crawler cannot build a URL for:\n  " + "\n  ".join(unbuildable)
    n_unit_cases = len(unit_cases) + len(off_cases)
    with capsys.disabled():
        print(f"\nisolation crawler: {len(tenant_routes)} unit-host routes × {n_unit_cases} cases, "
              f"{len(public_routes)} district-host routes × {len(district_cases)} cases, "
              f"{len(operations)} API schema operations × {n_unit_cases} cases "
              f"= {tally.route_cases} route×case pairs, {tally.requests} requests, "
              f"{len(tally.problems)} problems")
    assert not tally.problems, "Isolation problems:\n  " + "\n  ".join(tally.problems)


def api_operations(member) -> list[tuple[str, str]]:
    """(path, METHOD) of every operation in the unit's OpenAPI schema, read as a member of A
    with every module on (the schema lists only the modules switched on)."""
    client = Caller(ALPHA_HOST, member).client
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.content[:500]
    schema = json.loads(response.content)
    ops = [(path, method.upper()) for path, item in schema["paths"].items() for method in item
           if method in ("get", "post", "put", "patch", "delete")]
    assert any(p.startswith("/api/assets/") for p, _ in ops)  # the crawler really sees the modules' APIs
    return ops


# ----------------------------------------------------------------------------- the crawler's own checks
def _route(urlconf, namespaces, name, route_text):
    patterns = (RoutePattern(route_text),)
    return Route(urlconf, namespaces, name, patterns, lambda request: None, params=_params(patterns))


def test_crawler_classifies_new_routes_by_their_area_and_refuses_unknown_areas():
    # a new page in an existing area is covered without touching the crawler
    detail = _route(TENANT_URLS, ("audit",), "event_detail", "audit/<int:pk>/")
    assert classify(detail) == UNIT and detail.is_object
    module_page = _route(TENANT_URLS, ("assets",), "disposal_list", "m/assets/disposals/")
    assert classify(module_page) == UNIT and not module_page.is_object
    district_page = _route(PUBLIC_URLS, ("tenants",), "rollup", "units/rollup/<int:year>/")
    assert classify(district_page) == DISTRICT
    module_rollup = _route(PUBLIC_URLS, ("inspection_district",), "rollup", "inspection/")
    assert classify(module_rollup) == DISTRICT
    # a new top-level area, or a new un-namespaced page, is refused until someone classifies it
    assert classify(_route(TENANT_URLS, ("somewhere_new",), "page", "somewhere/<int:pk>/")) is None
    assert classify(_route(TENANT_URLS, (), "dashboard_v2", "dashboard/")) is None
    assert classify(_route(PUBLIC_URLS, ("assets",), "list", "m/assets/")) is None  # modules live on unit hosts


def test_crawler_tries_every_registered_key_of_a_keyed_route():
    routes = collect_routes(TENANT_URLS)

    def tried(full_name, param="key"):
        return sorted(r.keyed[param] for r in routes if r.full_name == full_name)

    assert tried("reports:request") == sorted(registry_values("report"))
    assert len(tried("reports:request")) >= 13
    assert tried("imports:upload") == tried("imports:template") == sorted(registry_values("import"))
    # every export, each one also crawled as readers who may see part of the unit or none of it
    assert tried("imports:export") == sorted(registry_values("export"))
    assert {"assets.asset", "personnel.person", "personnel.movements", "equipment.evaluation"} <= set(
        tried("imports:export"))
    assert tried("approvals:submit", "type_key") == sorted(registry_values("approval_type"))
    assert tried("files:upload", "use_key") == sorted(registry_values("file_use"))
    assert tried("registry:rules") == sorted(module_keys())
    # the module a keyed page belongs to follows its key (case (d): that module switched off)
    assert {r.keyed["key"]: r.module for r in routes if r.full_name == "reports:request"}[
        "personnel.flows"] == "personnel"


def test_crawler_builds_resolvable_urls_for_every_route():
    for urlconf in (TENANT_URLS, PUBLIC_URLS):
        for route in collect_routes(urlconf):
            assert build_path(route, SHARED_ID) is not None, route.label


# ----------------------------------------------------------------------------- cache keys carry the unit
def test_same_cache_key_in_two_units_holds_different_values(alpha, beta):
    from django.core.cache import cache

    with schema_context(alpha.schema_name):
        cache.set("dashboard:counts", {"assets": 1})
    with schema_context(beta.schema_name):
        assert cache.get("dashboard:counts") is None
        cache.set("dashboard:counts", {"assets": 2})
    with schema_context(alpha.schema_name):
        assert cache.get("dashboard:counts") == {"assets": 1}
        cache.delete("dashboard:counts")
    with schema_context(beta.schema_name):
        assert cache.get("dashboard:counts") == {"assets": 2}
        cache.delete("dashboard:counts")
    assert settings.CACHES["default"]["KEY_FUNCTION"] == "django_tenants.cache.make_key"
