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

New routes are covered automatically. A route is classified by ``ROUTE_CLASSES`` — its name,
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

import io
import itertools
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from tests.support.two_factor import verified_session
from zhengtong.registry.registry import THREE_ADMINS, module_keys, unit_roles

TENANT_URLS = "zhengtong.urls_tenant"
PUBLIC_URLS = "zhengtong.urls_public"

SHARED_ID = 424242  # an object with this id exists in unit A and in unit B
A_ONLY_ID = 424243  # exists in unit A only
MARK_A = "LEAKMARK-ALPHA-7e1f"
MARK_B = "LEAKMARK-BETA-93c2"

# ----------------------------------------------------------------------------- route classes
PUBLIC = "public"  # anyone may open it (sign-in, health check, invitation, language); shows no unit data
PERSONAL = "personal"  # district host: any signed-in person, about themselves (my units, profile, inbox)
UNIT = "unit"  # unit host: members only; roles and object permissions decide inside
DISTRICT = "district"  # district host: district roles only (operators, bureaus, district 三员)
ADMIN = "admin"  # Django admin: platform staff only

ROUTE_CLASSES = {
    TENANT_URLS: {
        "names": {
            "healthz": PUBLIC,
            "accounts:login": PUBLIC,
            "accounts:logout": PUBLIC,
            "set_language": PUBLIC,
            "home": UNIT,
            "members": UNIT,
            "member_invite": UNIT,
            "member_roles": UNIT,
        },
        # Everything under these namespaces is a members-only unit page. Module namespaces
        # (/m/<key>/, /api/<key>/) are recognised from the registry.
        "namespaces": {
            "accounts": UNIT,
            "registry": UNIT,
            "approvals": UNIT,
            "reports": UNIT,
            "imports": UNIT,
            "notifications": UNIT,
            "audit": UNIT,
            "security": UNIT,
            "files": UNIT,
            "api": UNIT,
        },
    },
    PUBLIC_URLS: {
        "names": {
            "healthz": PUBLIC,
            "accounts:login": PUBLIC,
            "accounts:logout": PUBLIC,
            "set_language": PUBLIC,
            "invitation": PUBLIC,
            "home": PERSONAL,
            "my_units": PERSONAL,  # the units the signed-in person belongs to (the unit switcher's list)
            "admin:login": PUBLIC,
            "admin:logout": PUBLIC,
        },
        "namespaces": {
            "accounts": PERSONAL,
            "notifications": PERSONAL,  # one inbox per person, across units
            # Steps waiting for a district role, listed for whoever holds it or is its delegate:
            # anyone else sees an empty list, and a request's page is refused.
            "district_approvals": PERSONAL,
            # "My downloads": a document is shown to the person who requested it, nobody else.
            "reports": PERSONAL,
            "tenants": DISTRICT,
            "audit": DISTRICT,
            "security": DISTRICT,
            "files": DISTRICT,
            "admin": ADMIN,
        },
    },
}

# Redirects that count as "sign in first" (the second factor is part of signing in).
LOGIN_PATHS = ("/accounts/login/", "/accounts/2fa/", "/admin/login/")
DENIED = frozenset({401, 403, 404, 405})
OBJECT_PARAM = re.compile(r"^(pk|id|object_id|.+_id|.+_pk)$")

# Parameters that name something a module registered ("<module>.<thing>" keys, or the module
# itself): filled from the registry, and the route then belongs to that module for case (d).
# The route is crawled once with EVERY registered value (one Route per value): a view may
# filter one key's rows and forget another's, so the first key alone proves nothing.
# Looked up by the route's full name first, then its namespace (innermost first), then "*".
PARAM_SOURCES = {
    ("imports:export", "key"): "export",  # export keys are their own list (not every export imports)
    ("registry", "key"): "module",
    ("imports", "key"): "import",
    ("reports", "key"): "report",
    ("approvals", "type_key"): "approval_type",
    ("files", "use_key"): "file_use",
    ("*", "module_key"): "module",
    ("*", "module"): "module",
}


def registry_values(source: str) -> list[str]:
    from zhengtong.registry.registry import all_modules

    modules = all_modules()
    if source == "module":
        return [m.key for m in modules]
    if source == "import":
        return [k for m in modules for k in m.imports]
    if source == "export":
        from zhengtong.imports import registry

        registry.get_export("")  # loads every module's exports (the registry has no public list)
        return sorted(registry._exports)
    if source == "report":
        return [r.key for m in modules for r in m.reports]
    if source == "approval_type":
        return [t.key for m in modules for t in getattr(m, "approval_types", ())]
    if source == "file_use":
        from zhengtong.files.uses import _uses

        return list(_uses)
    raise KeyError(source)


def param_source(namespaces: tuple[str, ...], name: str, route_name: str | None = None) -> str | None:
    full_name = ":".join((*namespaces, route_name)) if route_name else None
    for ns in (full_name, *reversed(namespaces), "*"):
        if (ns, name) in PARAM_SOURCES:
            return PARAM_SOURCES[(ns, name)]
    return None


# ----------------------------------------------------------------------------- the routes
@dataclass
class Route:
    urlconf: str
    namespaces: tuple[str, ...]
    name: str | None
    patterns: tuple
    callback: object
    cls: str | None = None
    module: str | None = None  # belongs to this module (its namespace, or a parameter naming its key)
    gated_by_namespace: bool = False  # under the module's own namespace: the gate middleware 404s it
    params: dict[str, str] = field(default_factory=dict)  # name -> converter ("re" for regex groups)
    keyed: dict[str, str] = field(default_factory=dict)  # name -> registry value it is filled with

    @property
    def label(self) -> str:
        full = ":".join((*self.namespaces, self.name or "<unnamed>"))
        keys = "".join(f" {k}={v}" for k, v in self.keyed.items())
        return f"{'tenant' if self.urlconf == TENANT_URLS else 'public'} {full} /{self.route_text}{keys}"

    @property
    def full_name(self) -> str:
        return ":".join((*self.namespaces, self.name)) if self.name else ""

    @property
    def route_text(self) -> str:
        return "".join(str(p) for p in self.patterns)

    @property
    def is_object(self) -> bool:
        return any(conv == "int" or OBJECT_PARAM.match(name) for name, conv in self.params.items()
                   if name not in self.keyed)

    @property
    def is_api(self) -> bool:
        return "api" in self.namespaces

    def methods(self) -> list[str]:
        actions = getattr(self.callback, "actions", None)
        if actions:  # a DRF view set route
            return sorted(m.upper() for m in actions)
        view_class = getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)
        if view_class is not None:
            return sorted(m.upper() for m in view_class.http_method_names
                          if m not in ("options", "head", "trace") and hasattr(view_class, m))
        return ["GET", "POST"]  # a function view: it may answer both


def _walk(resolver, patterns=(), namespaces=()):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, (*patterns, entry.pattern),
                             (*namespaces, entry.namespace) if entry.namespace else namespaces)
        elif isinstance(entry, URLPattern):
            yield patterns + (entry.pattern,), namespaces, entry


def _params(patterns) -> dict[str, str]:
    params = {}
    for p in patterns:
        if isinstance(p, RoutePattern):
            for conv, name in re.findall(r"<(?:([^>:]+):)?([^>]+)>", str(p)):
                params[name] = conv or "str"
        else:
            for name in re.compile(p._regex).groupindex:
                params[name] = "re"
    return params


def classify(route: Route) -> str | None:
    table = ROUTE_CLASSES[route.urlconf]
    if route.full_name in table["names"]:
        return table["names"][route.full_name]
    if route.urlconf == TENANT_URLS and any(ns in module_keys() for ns in route.namespaces):
        return UNIT
    if route.urlconf == PUBLIC_URLS and any(ns.removesuffix("_district") in module_keys()
                                            for ns in route.namespaces if ns.endswith("_district")):
        return DISTRICT  # a module's district pages ("<module>_district"): roll-ups for district roles
    for ns in route.namespaces:  # outermost first
        if ns in table["namespaces"]:
            return table["namespaces"][ns]
    return None


def keyed_values(namespaces: tuple[str, ...], route_name: str | None, params: dict[str, str]) -> dict[str, list[str]]:
    """Registry values for each parameter that names a registered thing (see PARAM_SOURCES)."""
    out = {}
    for name in params:
        source = param_source(namespaces, name, route_name)
        if source and registry_values(source):
            out[name] = registry_values(source)
    return out


def collect_routes(urlconf: str) -> list[Route]:
    """Every route of ``urlconf``; a route with registry-keyed parameters once per combination
    of registered values (``/reports/new/<key>/`` once per report)."""
    routes = []
    for patterns, namespaces, entry in _walk(get_resolver(urlconf)):
        params = _params(patterns)
        keyed = keyed_values(namespaces, entry.name, params)
        for values in itertools.product(*keyed.values()):  # one empty combination for unkeyed routes
            route = Route(urlconf, namespaces, entry.name, patterns, entry.callback, params=params,
                          keyed=dict(zip(keyed, values, strict=True)))
            route.cls = classify(route)
            if urlconf == TENANT_URLS:
                gated = [ns for ns in namespaces if ns in module_keys()]
                owners = [v.split(".", 1)[0] for v in route.keyed.values() if v.split(".", 1)[0] in module_keys()]
                route.module = (gated or owners or [None])[0]
                route.gated_by_namespace = bool(gated)
            routes.append(route)
    return routes


# ----------------------------------------------------------------------------- building URLs
def _candidates(route: Route, name: str, conv: str, object_id: int, unit_slug: str) -> list[str]:
    if name in route.keyed:
        return [route.keyed[name]]
    if name in ("slug", "unit", "unit_slug"):  # district pages that open a unit's object
        return [unit_slug, "x"]
    if name == "app_label":  # the admin's app index: any app with registered models
        from django.contrib import admin

        return sorted({m._meta.app_label for m in admin.site._registry})
    if name == "filename":
        return ["swagger-ui.css", "x.txt"]
    if name == "token":
        return ["no-such-invitation-token"]
    if name in ("fmt", "format"):
        return ["csv", "xlsx", "pdf", "x"]  # csv first: the marker check can read it
    if conv == "uuid":
        return ["00000000-0000-4000-8000-000000000000"]
    if conv == "int" or OBJECT_PARAM.match(name) or name in ("year", "month"):
        return [str(object_id)]
    return ["x", str(object_id), "x/"]


def build_path(route: Route, object_id: int, unit_slug: str = "alpha") -> str | None:
    """A concrete path that resolves back to ``route``, or None."""
    options = {name: _candidates(route, name, conv, object_id, unit_slug) for name, conv in route.params.items()}
    # Try the first candidate of every parameter, then vary one at a time (enough for our routes).
    trials = [{n: c[0] for n, c in options.items()}]
    for n, c in options.items():
        trials += [{**trials[0], n: v} for v in c[1:]]
    for values in trials:
        path = "/"
        for p in route.patterns:
            if isinstance(p, RoutePattern):
                path += re.sub(r"<(?:[^>:]+:)?([^>]+)>", lambda m, values=values: values[m.group(1)], str(p))
            elif isinstance(p, RegexPattern):
                fmt, _ = normalize(p._regex)[0]
                path += fmt % values
            else:
                return None
        try:
            match = resolve(path, urlconf=route.urlconf)
        except Resolver404:
            continue
        if match.url_name == route.name and tuple(match.namespaces) == route.namespaces and (
            route.name or match.func == route.callback
        ):
            return path
    return None


# ----------------------------------------------------------------------------- the callers
def _is_login_redirect(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    location = response.get("Location", "")
    return any(p in location for p in LOGIN_PATHS)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        # Reading it to the end lets the test client close it (without closing the test's
        # database connection, which response.close() would do).
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if body[:4] == b"PK\x03\x04":  # a spreadsheet (zip): look inside, where the cells are
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body += b"".join(archive.read(n) for n in archive.namelist())
    return body


class Caller:
    """A client for one case; signs in again whenever a response ended its session
    (the crawler also POSTs to sign-out and language routes)."""

    def __init__(self, host: str, user=None):
        self.host, self.user = host, user
        self.client = self._client()

    def _client(self):
        # A view that crashes is reported as a server error of its route, not the end of the crawl.
        client = Client(HTTP_HOST=self.host, raise_request_exception=False)
        if self.user is not None:
            client.force_login(self.user)
            # A completed sign-in: the callers hold roles that need the second factor (unit admin),
            # and a 2FA prompt instead of the page would prove nothing about isolation.
            verified_session(client, self.user)
        return client

    def call(self, method: str, path: str, api: bool):
        if method in ("POST", "PUT", "PATCH"):
            data, content_type = (b"{}", "application/json") if api else (b"", "application/x-www-form-urlencoded")
            response = self.client.generic(method, path, data, content_type=content_type)
        else:
            response = self.client.generic(method, path)
        if self.user is not None and settings.SESSION_COOKIE_NAME in response.cookies:
            self.client = self._client()
        return response


@dataclass
class Case:
    key: str
    caller: Caller
    hidden_marks: tuple[str, ...]  # markers that must never appear in a response
    object_id: int
    unit_slug: str = "alpha"  # for district routes that open a unit's object


@dataclass
class Tally:
    requests: int = 0
    route_cases: int = 0
    problems: list[str] = field(default_factory=list)


def expect(route: Route, case: Case, method: str, tally: Tally, path: str) -> None:
    """Call and judge one (route, method, case)."""
    response = case.caller.call(method, path, route.is_api)
    tally.requests += 1
    status = response.status_code
    body = _body(response)
    where = f"{case.key:<12} {method:<6} {path}  [{route.label}]"
    if status >= 500:
        tally.problems.append(f"{where}: server error {status}")
        return
    for mark in case.hidden_marks:
        if mark.encode() in body or mark in response.get("Location", ""):
            tally.problems.append(f"{where}: LEAK — the response ({status}) contains {mark}")
    denied = status in DENIED or _is_login_redirect(response)
    rule = required_outcome(route, case)
    if rule == "404" and status != 404:
        tally.problems.append(f"{where}: expected 404, got {status} {response.get('Location', '')}")
    elif rule == "denied" and not denied:
        tally.problems.append(f"{where}: expected 404/403/401/405 or a sign-in redirect, got {status} "
                              f"{response.get('Location', '')} — if this route is meant for these callers, "
                              f"classify it in ROUTE_CLASSES")


def required_outcome(route: Route, case: Case) -> str:
    """'404', 'denied' or 'no-leak' (any answer but a server error, without hidden markers)."""
    if route.cls == PUBLIC:
        return "no-leak"
    if case.key == "anonymous":
        return "denied"
    if route.urlconf == PUBLIC_URLS:  # the signed-in caller holds no district role and is not staff
        return "no-leak" if route.cls == PERSONAL and not route.is_object else "denied"
    if case.key == "outsider@A":
        return "404"  # not a member: the unit does not exist for them
    if case.key == "module-off":
        if route.module:
            return "404" if route.gated_by_namespace else "denied"
        return "no-leak"
    if case.key == "outsider@B":
        return "no-leak"  # B's own object with the same id: fine, as long as nothing of A shows
    # B's member on B's host with ids only A has; A's member without object permissions
    return "denied" if route.is_object else "no-leak"


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
