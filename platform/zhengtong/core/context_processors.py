from zhengtong.core.tenancy import enabled_modules
from zhengtong.registry.manifest import NavEntry
from zhengtong.registry.registry import all_modules, localized
from zhengtong.registry.rules import can_edit_rules

from . import navigation


def module_navigation(request):
    """The enabled modules of the current unit and the entries this user may open."""
    unit = getattr(request, "tenant", None)
    user = request.user
    if unit is None or unit.is_district_portal or not user.is_authenticated:
        return []  # nothing to navigate
    on = enabled_modules(unit)
    nav = []
    for m in all_modules():
        if m.key not in on:
            continue
        entries = navigation.entry_links(m.navigation, user, unit)
        if m.rules:
            # The rules page's own check (registry.views.rules_edit), for this module.
            rules = NavEntry("registry:rules", "规则设置", "Rules",
                             check=lambda user, unit, m=m: can_edit_rules(user, m))
            entries += navigation.entry_links([rules], user, unit, args=[m.key])
        nav.append({"key": m.key, "name": localized(m.name_zh, m.name_en), "icon": m.icon, "entries": entries})
    return nav


def district_module_navigation(request) -> list[dict]:
    """Each module's district pages this person may open (a module none of whose are is left out)."""
    unit, user = request.tenant, request.user
    nav = []
    for m in all_modules():
        if entries := navigation.entry_links(m.district_navigation, user, unit):
            nav.append({"key": m.key, "heading": localized(m.name_zh, m.name_en), "icon": m.icon,
                        "entries": entries})
    return nav


def sidebar(request, module_nav) -> list[dict]:
    """The sidebar's sections in order: the platform's leading ones, the modules', the platform's
    trailing ones; each entry one the person may open."""
    unit, user = request.tenant, request.user
    if unit.is_district_portal:
        leading, modules, trailing = (navigation.DISTRICT_LEADING, district_module_navigation(request),
                                      navigation.DISTRICT_TRAILING)
    else:
        leading, trailing = navigation.UNIT_LEADING, navigation.UNIT_TRAILING
        modules = [{**m, "heading": m["name"]} for m in module_nav]
    return [*navigation.platform_sections(leading, user, unit), *modules,
            *navigation.platform_sections(trailing, user, unit)]


def portal(request):
    from zhengtong.core.hosts import district_url

    unit = getattr(request, "tenant", None)
    user = getattr(request, "user", None)  # absent when the host matched no unit (404 page)
    ctx = {"unit": unit, "is_district": bool(unit and unit.is_district_portal)}
    if user is not None and user.is_authenticated:
        switcher, more = unit_switcher(user, unit)
        module_nav = module_navigation(request)
        ctx.update(
            unit_switcher=switcher,
            unit_switcher_more=more,
            module_nav=module_nav,
            sidebar=sidebar(request, module_nav) if unit is not None else [],
            district_url=district_url(),
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
    from zhengtong.core.hosts import host_url, unit_host

    cache = getattr(unit, "_prefetched_objects_cache", {})
    if "domains" in cache:
        primary = next((d.domain for d in cache["domains"] if d.is_primary), None)
        return host_url(primary or unit_host(unit.slug))
    from zhengtong.core.hosts import unit_url

    return unit_url(unit)
