"""zhengtong.core.tenancy answers "which unit am I in" one way for pages, services and tasks."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context


def test_the_current_unit_behind_a_schema_context_is_looked_up_once(alpha):
    from zhengtong.core.tenancy import current_unit

    assert current_unit() is None  # the public schema: the district portal, no unit
    with schema_context(alpha.schema_name):
        assert current_unit().pk == alpha.pk
        with CaptureQueriesContext(connection) as ctx:
            assert current_unit().pk == alpha.pk
        assert ctx.captured_queries == []
    with schema_context("unit_template"):
        assert current_unit() is None  # the template is no unit


def test_module_enabled_follows_the_current_units_switches(alpha):
    from tenants.models import UnitModule
    from zhengtong.core.tenancy import module_enabled

    with schema_context(alpha.schema_name):
        assert module_enabled("assets")
    UnitModule.objects.filter(unit=alpha, module_key="assets").update(enabled=False)
    with schema_context(alpha.schema_name):  # a new context: read afresh
        assert not module_enabled("assets") and module_enabled("inspection")
    assert not module_enabled("assets")  # nothing is switched on for the district portal


def test_a_unit_task_does_nothing_in_the_public_schema(alpha):
    from zhengtong.approvals.tasks import check_deadlines

    skipped = check_deadlines()
    assert skipped == {}
    skipped["changed"] = True
    assert check_deadlines() == {}  # each call gets its own copy
    with schema_context(alpha.schema_name):
        assert isinstance(check_deadlines(), dict)
    assert check_deadlines.name == "zhengtong.approvals.check_deadlines"
