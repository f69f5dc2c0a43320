from django.urls import NoReverseMatch, reverse

from .selectors import unread_count


def inbox(request):
    """The header's inbox link with the unread count, and the approvals link of this host."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "tenant", None) is None:
        return {}
    try:
        approvals = reverse("district_approvals:list" if request.tenant.is_district_portal else "approvals:list")
    except NoReverseMatch:
        approvals = ""
    return {"inbox_unread": unread_count(user), "approvals_url": approvals}
