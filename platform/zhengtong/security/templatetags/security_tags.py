from django import template

from ..services import is_security_admin

register = template.Library()


@register.filter
def administers_security(request) -> bool:
    """Whether the sidebar offers the security pages: only to this unit's (or the district's)
    security administrator."""
    unit = getattr(request, "tenant", None)
    return unit is not None and is_security_admin(getattr(request, "user", None), unit)
