from django import template

from zhengtong.core.permissions import can

from ..selectors import attachments_of
from ..services import owner_permission
from ..uses import uses_for

register = template.Library()


@register.inclusion_tag("files/attachments.html", takes_context=True)
def attachments_panel(context, owner):
    """The owner's attachments by use, with an upload form per use for those who may
    change the owner. Put it on a page that has already checked the view permission."""
    request = context["request"]
    files = list(attachments_of(owner))
    may_change = can(request.user, owner_permission(owner, "change"), owner)
    sections = [{"use": u, "files": [f for f in files if f.use == u.key]} for u in uses_for(type(owner))]
    return {"owner": owner, "sections": sections, "may_change": may_change, "next": request.get_full_path(),
            "csrf_token": context.get("csrf_token")}
