"""The demo bureau seeds through the services and can be seeded twice."""
from django_tenants.utils import schema_context

from modules.inspection import demo
from modules.inspection.models import InspectedEntity, InspectionCase
from tenants.models import Unit
from zhengtong.audit.services import verify_chain
from zhengtong.registry.manifest import DemoDistrict


def test_demo_bureau_has_people_data_and_cases_at_every_stage(db):
    demo.seed(DemoDistrict(password="Demo-Passw0rd#1"))
    unit = Unit.objects.get(slug="jcj")
    with schema_context(unit.schema_name):
        assert InspectedEntity.objects.count() == 13
        states = sorted(InspectionCase.objects.values_list("status", flat=True))
        assert states == ["closed", "executing", "inspecting", "selected", "under_review"]
        assert verify_chain()[1] is None  # the demo's trail is an intact chain
    demo.seed(DemoDistrict(password="Demo-Passw0rd#1"))  # idempotent
    with schema_context(unit.schema_name):
        assert InspectionCase.objects.count() == 5
