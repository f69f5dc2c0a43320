"""The contract between modules: hand-over items and events reach only modules that are
switched on in the current unit, and a failing handler rolls the caller's change back."""
import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from zhengtong.registry import registry
from zhengtong.registry.handover import HandoverItem, emit, handover_items_for
from zhengtong.registry.manifest import ModuleManifest

calls: list[dict] = []


def _items(*, user_id):
    return [HandoverItem(module="probe", kind="key", ref=f"K-{user_id}", label="机房钥匙")]


def _on_leaving(**payload):
    calls.append(payload)
    if payload.get("explode"):
        raise IntegrityError("handler failed")


@pytest.fixture
def probe_module(alpha):
    from tenants.models import UnitModule

    manifest = ModuleManifest(key="probe", name_zh="探针", name_en="Probe", app_label="probe", urls="",
                              handover_provider=f"{__name__}._items",
                              events_handled={"personnel.person_leaving_post": _on_leaving})
    registry._modules["probe"] = manifest
    UnitModule.objects.create(unit=alpha, module_key="probe")
    calls.clear()
    yield manifest
    registry._modules.pop("probe", None)


def test_items_and_events_only_where_the_module_is_on(probe_module, alpha, beta):
    with schema_context(alpha.schema_name):
        assert HandoverItem("probe", "key", "K-7", "机房钥匙") in handover_items_for(user_id=7)
        assert emit("personnel.person_leaving_post", user_id=7) >= 1
    assert calls == [{"user_id": 7}]
    with schema_context(beta.schema_name):  # probe is not switched on in beta
        assert not [i for i in handover_items_for(user_id=7) if i.module == "probe"]
        emit("personnel.person_leaving_post", user_id=8)
    assert calls == [{"user_id": 7}]
    with schema_context("public"):  # the district portal has no unit modules
        assert not [i for i in handover_items_for(user_id=7) if i.module == "probe"]


def test_failing_handler_rolls_back_the_callers_change(probe_module, alpha):
    from tenants.models import UnitModule

    with schema_context(alpha.schema_name):
        with pytest.raises(IntegrityError):
            with transaction.atomic():
                UnitModule.objects.filter(unit=alpha, module_key="probe").update(enabled=True)
                marker = UnitModule.objects.create(unit=alpha, module_key="probe-marker")
                emit("personnel.person_leaving_post", user_id=9, explode=True)
        assert not UnitModule.objects.filter(pk=marker.pk).exists()
