"""The district portal's approval pages: steps waiting for a district role in any unit.

The list reads the public index; a request page and its actions switch to the unit's
schema, where the request lives, and call the same services as the unit's own pages.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_tenants.utils import get_tenant_model, schema_context

from zhengtong.core.errors import Refused
from zhengtong.registry.registry import DISTRICT_ROLES, role_label

from . import selectors, services
from .chains import get_type, type_name
from .views import act, delegation_page, request_context

if TYPE_CHECKING:
    from tenants.models import Unit


def _district_only(request) -> None:
    if not request.tenant.is_district_portal:
        raise Http404


@login_required
def district_list(request):
    _district_only(request)
    rows = selectors.district_pending(request.user)
    names = {}
    for row in rows:
        found = get_type(row.type_key)
        names[row.type_key] = type_name(found[1]) if found else row.type_key
    return render(request, "approvals/district_list.html", {"rows": rows, "type_names": names,
                                                            "role_label": role_label})


def _unit(slug: str) -> Unit:
    Unit = get_tenant_model()  # the platform never imports tenants/ (docs/architecture.md, Layers)
    unit = Unit.objects.filter(slug=slug).exclude(schema_name="public").exclude(status=Unit.Status.ARCHIVED).first()
    if unit is None:
        raise Http404
    return unit


@contextmanager
def _unit_request(request, slug: str, pk: int):
    """In the schema of unit ``slug``: its request ``pk``, if it waits for the district (404 else)."""
    _district_only(request)
    unit = _unit(slug)
    with schema_context(unit.schema_name):
        req = selectors.request_for(request.user, pk, district=True)
        if req is None:
            raise Http404
        yield unit, req


@login_required
def district_detail(request, slug, pk):
    with _unit_request(request, slug, pk) as (unit, req):
        return render(request, "approvals/request.html", request_context(request, req, district=True, unit=unit))


@login_required
@require_POST
def district_act(request, slug, pk):
    with _unit_request(request, slug, pk) as (unit, req):
        return act(request, req, district=True, unit=unit,
                   done_url=reverse("district_approvals:detail", args=[unit.slug, req.pk]))


@login_required
def district_delegations(request):
    _district_only(request)
    district_keys = {r.key for r in DISTRICT_ROLES}
    from .chains import assignable_roles

    allowed = dict(assignable_roles())
    held = sorted(k for k in request.user.role_keys if k in district_keys and k in allowed)
    return delegation_page(request, roles=held, schema_label="district",
                           revoke_url_name="district_approvals:delegation_revoke", template_ctx={"district": True})


@login_required
@require_POST
def district_delegation_revoke(request, pk):
    _district_only(request)
    try:
        services.delegation_revoke(actor=request.user, delegation_id=pk, role_schema="public")
    except Refused:  # someone else's delegation: as if it did not exist
        raise Http404 from None
    return redirect("district_approvals:delegations")
