"""District operators see each unit's inspection figures, and nothing of the cases."""
from decimal import Decimal

from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, DISTRICT_HOST


def test_district_sees_figures_per_unit_and_their_total(ranked, journey, operator, client_for, beta, make_user):
    from modules.inspection.district import district_overview
    from modules.inspection.models import InspectedEntity

    with schema_context("u_alpha"):
        entity = InspectedEntity.objects.order_by("pk").first()
    case = journey.select(entity)
    journey.to_inspecting(case)
    journey.inspect(case, tax="10000.00", late="500.00", penalty="5000.00")

    rows, total = district_overview()
    by_unit = {r.unit.slug: r for r in rows}
    assert by_unit["alpha"].proposed == Decimal("15500.00")
    assert by_unit["alpha"].open_cases >= 1
    assert by_unit["beta"].proposed == Decimal("0.00")
    assert total.proposed == sum(r.proposed for r in rows)
    assert total.open_cases == sum(r.open_cases for r in rows)

    page = client_for(operator, DISTRICT_HOST).get("/inspection/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "甲单位" in body and "乙单位" in body and "15,500.00" in body
    assert entity.credit_code not in body and case.number not in body  # figures only


def test_only_district_operators_see_it(alpha, make_user, client_for):
    unit_chief = make_user(alpha, ["inspection.supervisor"])
    assert client_for(unit_chief, DISTRICT_HOST).get("/inspection/").status_code == 404
    assert client_for(unit_chief, ALPHA_HOST).get("/inspection/").status_code == 404  # not a unit page
