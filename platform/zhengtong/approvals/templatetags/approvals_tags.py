"""Template helpers, and the panel a module puts on a subject's page to offer a request
type and show its requests with their history."""
from __future__ import annotations

from django import template
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhengtong.registry.middleware import enabled_modules
from zhengtong.registry.registry import role_label

from ..chains import format_conditions, get_type, handler_for, type_name

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def role_name(key: str) -> str:
    return role_label(key) if key else ""


@register.filter
def conditions_text(conditions) -> str:
    return format_conditions(conditions or [])


@register.inclusion_tag("approvals/_panel.html", takes_context=True)
def approval_panel(context, subject, type_key: str):
    """``{% approval_panel asset "assets.disposal" %}``: the offer to submit (when the user
    may and nothing is open) and the subject's requests, the latest with its timeline."""
    from .. import selectors

    request = context.get("request")
    found = get_type(type_key)
    if request is None or found is None or found[0].key not in enabled_modules(request.tenant):
        return {"show": False}
    manifest, atype = found
    user = request.user
    handler = handler_for(atype)
    requests = [r for r in selectors.requests_for_subject(type_key, subject.pk)[:10]
                if selectors.can_view(user, r)]
    open_req = selectors.open_request_for_subject(type_key, subject.pk)
    submit_url = ""
    blocked = ""
    if open_req is None and handler.can_submit(user, subject):
        try:
            handler.check_submittable(subject)
        except ValidationError as exc:
            blocked = " ".join(exc.messages)
        else:
            submit_url = handler.submit_path(subject) or reverse("approvals:submit", args=[type_key, subject.pk])
    latest = requests[0] if requests else None
    return {
        "show": bool(submit_url or requests or blocked), "type_name": type_name(atype), "submit_url": submit_url,
        "blocked": blocked if handler.can_submit(user, subject) else "", "requests": requests, "latest": latest,
        "timeline": selectors.timeline(latest) if latest else [],
    }
