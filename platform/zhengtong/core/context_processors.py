from django.urls import NoReverseMatch, reverse

from zhengtong.registry.middleware import enabled_modules
from zhengtong.registry.registry import DISTRICT_FINANCE, DISTRICT_HR, DISTRICT_OPERATOR, all_modules, localized
from zhengtong.registry.rules import can_edit_rules


def module_navigation(request):
    """The enabled modules of the current unit and the entries this user may see."""
    unit = getattr(request, "tenant", None)
    user = request.user
    if unit is None or unit.is_district_portal or not user.is_authenticated:
        return []  # nothing to navigate
    on = enabled_modules(unit)
    nav = []
    for m in all_modules():
        if m.key not in on:
            continue
        entries = []
        for e in m.navigation:
            if e.permission and not user.has_perm(e.permission):
                continue
            try:
                entries.append({"label": localized(e.label_zh, e.label_en), "url": reverse(e.url_name)})
            except NoReverseMatch:
                continue
        if m.rules and can_edit_rules(user, m):
            entries.append({"label": localized("规则设置", "Rules"), "url": reverse("registry:rules", args=[m.key])})
        nav.append({"key": m.key, "name": localized(m.name_zh, m.name_en), "icon": m.icon, "entries": entries})
    return nav


def portal(request):
    from tenants.urls_util import district_url

    unit = getattr(request, "tenant", None)
    user = getattr(request, "user", None)  # absent when the host matched no unit (404 page)
    ctx = {"unit": unit, "is_district": bool(unit and unit.is_district_portal)}
    if user is not None and user.is_authenticated:
        switcher, more = unit_switcher(user, unit)
        ctx.update(
            unit_switcher=switcher,
            unit_switcher_more=more,
            module_nav=module_navigation(request),
            district_url=district_url(),
            is_operator=_is_operator(user, unit),
            is_finance_bureau=_has_district_role(user, unit, DISTRICT_FINANCE),
            is_hr_bureau=_has_district_role(user, unit, DISTRICT_HR),
        )
    return ctx


# The switcher on every page lists this many units; a person in more (a district inspector
# may belong to hundreds) finds the rest on the searchable "my units" page. Listing every
# membership made each page of a member of 494 units take ~500 ms instead of 31 ms.
SWITCHER_LIMIT = 8


def unit_switcher(user, current) -> tuple[list[dict], int]:
    """The units shown in the switcher (the current one first) and how many more the person
    belongs to: one query with the total as a window count, one for their domains, whatever
    the number of memberships."""
    from django.db.models import Case, Count, IntegerField, Value, When, Window

    from zhengtong.accounts.selectors import units_of

    here = current.pk if current is not None and not current.is_district_portal else None
    first = Case(When(pk=here, then=Value(0)), default=Value(1), output_field=IntegerField())
    units = list(units_of(user).annotate(zt_total=Window(Count("pk")), zt_first=first)
                 .order_by("zt_first", "name")[:SWITCHER_LIMIT])
    total = units[0].zt_total if units else 0
    entries = [{"name": u.name, "url": unit_link(u), "current": u.pk == here} for u in units]
    return entries, total - len(entries)


def unit_link(unit) -> str:
    """The unit's address from its prefetched domains (``units_of`` prefetches them):
    ``unit.primary_host`` would ask the database once per unit."""
    from tenants.urls_util import host_url, unit_host

    cache = getattr(unit, "_prefetched_objects_cache", {})
    if "domains" in cache:
        primary = next((d.domain for d in cache["domains"] if d.is_primary), None)
        return host_url(primary or unit_host(unit.slug))
    from tenants.urls_util import unit_url

    return unit_url(unit)


def _is_operator(user, unit) -> bool:
    return _has_district_role(user, unit, DISTRICT_OPERATOR)


def _has_district_role(user, unit, role: str) -> bool:
    if unit is None or not unit.is_district_portal:
        return False
    return user.has_role(role)
