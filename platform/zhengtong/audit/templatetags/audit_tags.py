from django import template

from ..selectors import can_read_trail

register = template.Library()


@register.filter
def reads_audit_trail(request) -> bool:
    """Whether the sidebar offers the trail: only to this unit's audit administrator."""
    return can_read_trail(getattr(request, "user", None), getattr(request, "tenant", None))
