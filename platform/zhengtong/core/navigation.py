"""The sidebar as data: the platform's own pages, next to the modules' (their manifests'
``navigation`` and ``district_navigation``). Every entry carries the access check its page's
view applies (see ``NavEntry``), so a person is offered only the pages they may open."""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from zhengtong.registry.manifest import NavEntry, holds_role
from zhengtong.registry.registry import DISTRICT_OPERATOR, localized


@dataclass(frozen=True)
class NavSection:
    heading_zh: str
    heading_en: str
    entries: tuple[NavEntry, ...]


_REPORTS = NavEntry("reports:list", "报表与下载", "Reports and downloads")
_AUDIT = NavEntry("audit:trail", "审计记录", "Audit trail", check="zhengtong.audit.selectors.can_read_trail")
_SECURITY = "zhengtong.security.services.is_security_admin"
_SECURITY_ENTRIES = (
    NavEntry("security:role_changes", "角色变更", "Role changes", check=_SECURITY),
    NavEntry("security:lockouts", "登录锁定", "Sign-in lockouts", check=_SECURITY),
)

# Before the modules' sections of the sidebar (LEADING) and after them (TRAILING).
UNIT_LEADING: tuple[NavSection, ...] = ()
UNIT_TRAILING = (
    NavSection("单位", "Unit", (
        NavEntry("members", "成员与角色", "Members and roles", check="tenants.selectors.may_manage_members"),
        _REPORTS,
        _AUDIT,
    )),
    NavSection("安全", "Security", _SECURITY_ENTRIES),
)
DISTRICT_LEADING = (
    NavSection("区级", "District", (
        NavEntry("tenants:unit_list", "单位", "Units", check=holds_role(DISTRICT_OPERATOR)),
        NavEntry("tenants:unit_create", "新增单位", "Onboard a unit", check=holds_role(DISTRICT_OPERATOR)),
        NavEntry("tenants:unit_bulk", "批量导入单位", "Bulk onboarding", check=holds_role(DISTRICT_OPERATOR)),
    )),
)
DISTRICT_TRAILING = (
    NavSection("", "", (_REPORTS, _AUDIT)),
    NavSection("安全", "Security", (
        *_SECURITY_ENTRIES,
        NavEntry("security:policy", "安全策略", "Security policy", check=_SECURITY),
    )),
)


def entry_links(entries, user, unit, args=()) -> list[dict]:
    """The entries ``user`` may open in ``unit``, as {label, url}; an entry whose URL is not
    mounted here (a module's district pages on a unit portal) is left out."""
    links = []
    for e in entries:
        if not e.allows(user, unit):
            continue
        try:
            links.append({"label": localized(e.label_zh, e.label_en), "url": reverse(e.url_name, args=args)})
        except NoReverseMatch:
            continue
    return links


def platform_sections(sections, user, unit) -> list[dict]:
    """``sections`` as the sidebar shows them, each with the entries this person may open;
    a section with none is left out."""
    shown = []
    for s in sections:
        if entries := entry_links(s.entries, user, unit):
            shown.append({"heading": localized(s.heading_zh, s.heading_en), "entries": entries})
    return shown
