"""The inbox: one per person across units, on every host."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from . import selectors, services
from .models import Notification


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    with schema_context("public"):
        page = Paginator(selectors.inbox(request.user, unread_only=unread_only), 30).get_page(request.GET.get("page"))
        items = list(page)
    return render(request, "notifications/inbox.html", {"page": page, "items": items, "unread_only": unread_only})


@login_required
@require_POST
def open_item(request, pk):
    """Mark read and go to what the item is about (its unit's or the district's host)."""
    try:
        item = services.notification_open(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if item.url and _own_url(item.url):
        return redirect(item.url)
    return redirect("notifications:inbox")


def _own_url(url: str) -> bool:
    """Only ever redirect to our own hosts: the district's and its units' subdomains."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    base = settings.ZT_BASE_DOMAIN
    return parts.scheme in ("http", "https") and (host == base or host.endswith("." + base))


@login_required
@require_POST
def mark_all_read(request):
    n = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(n)d items marked read.") % {"n": n})
    return redirect("notifications:inbox")
