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
    from zhengtong.accounts.selectors import units_of
    from tenants.urls_util import district_url, unit_url

    unit = getattr(request, "tenant", None)
    user = getattr(request, "user", None)  # absent when the host matched no unit (404 page)
    ctx = {"unit": unit, "is_district": bool(unit and unit.is_district_portal)}
    if user is not None and user.is_authenticated:
        switcher = [{"name": u.name, "url": unit_url(u), "current": unit is not None and u.pk == unit.pk}
                    for u in units_of(user)]
        ctx.update(
            unit_switcher=switcher,
            module_nav=module_navigation(request),
            district_url=district_url(),
            is_operator=_is_operator(user, unit),
            is_finance_bureau=_has_district_role(user, unit, DISTRICT_FINANCE),
            is_hr_bureau=_has_district_role(user, unit, DISTRICT_HR),
        )
    return ctx


def _is_operator(user, unit) -> bool:
    return _has_district_role(user, unit, DISTRICT_OPERATOR)


def _has_district_role(user, unit, role: str) -> bool:
    if unit is None or not unit.is_district_portal:
        return False
    return user.has_role(role)
