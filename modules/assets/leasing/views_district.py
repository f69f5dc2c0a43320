"""District portal page: lending/renting contracts filed with the finance bureau, per unit —
figures and counterparty, read-only (no contract text, no card)."""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .. import rollup
from ..pool.selectors import is_bureau
from . import selectors


@login_required
def district_filed(request):
    if not request.tenant.is_district_portal or not is_bureau(request.user):
        raise Http404
    contracts = selectors.filed_contracts(rollup.rollup_units())
    by_unit: OrderedDict = OrderedDict()
    for c in contracts:
        by_unit.setdefault(c.unit, []).append(c)
    return render(request, "assets_leasing/district_filed.html", {
        "by_unit": [(u, cs, sum((c.rent for c in cs), Decimal("0.00")), sum((c.income for c in cs), Decimal("0.00")))
                    for u, cs in by_unit.items()]})
