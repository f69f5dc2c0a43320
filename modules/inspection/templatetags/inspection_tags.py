from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """¥1,234.50; "—" for not reported (never a 0 that was not filed)."""
    if value is None or value == "":
        return "—"
    # Grouped by thousands as on Chinese financial statements, whatever the locale's
    # number format says (Django's zh-hans format does not group).
    return f"¥{Decimal(value).quantize(Decimal('0.01')):,}"


@register.filter
def figure(filing, key: str) -> str:
    return yuan(getattr(filing, key, None))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def pct(value) -> str:
    """A fraction as a percentage: 0.3 → 30.00%."""
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.01'))}%"


@register.filter
def step_overdue(case) -> bool:
    """The case's current step is late (the selectors' rule: not while suspended or closed)."""
    from ..selectors import step_overdue as overdue

    return overdue(case)


@register.filter
def can_view_paper(paper, user) -> bool:
    from zhengtong.core.permissions import can

    return can(user, "inspection.view_workingpaper", paper)
