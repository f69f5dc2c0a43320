"""The isolation crawler's machinery: every route of both URL configurations classified, a
concrete URL built for it, called as each kind of caller, and the outcome judged
(tests/platform/security/test_crawler.py explains the cases and holds the data and the test)."""
from __future__ import annotations

import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

from tests.support.two_factor import verified_session
from zhengtong.registry.registry import module_keys

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


