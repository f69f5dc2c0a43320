"""Cross-module reads through declared lookups: a module reaches another's selector by key, only
where that module is switched on, and a manifest naming another module's role or a selector that
does not exist (or a demo seed that is not there) fails `manage.py check`."""
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django_tenants.utils import schema_context

from zhengtong.registry import lookup, registry
from zhengtong.registry.checks import manifest_references
from zhengtong.registry.manifest import ModuleManifest


def _answer(*, user, number):
    return f"{number} for {user}"


@pytest.fixture
def probe_module(alpha):
    from tenants.models import UnitModule

    manifest = ModuleManifest(key="probe", name_zh="探针", name_en="Probe", app_label="probe", urls="",
                              lookups={"probe.answer": f"{__name__}._answer"})
    registry._modules["probe"] = manifest
    UnitModule.objects.create(unit=alpha, module_key="probe")
    yield manifest
    registry._modules.pop("probe", None)


def test_a_lookup_answers_only_where_its_module_is_on(probe_module, alpha, beta):
    with schema_context(alpha.schema_name):
        assert lookup("probe.answer")(user="张三", number="A-1") == "A-1 for 张三"
    with schema_context(beta.schema_name):  # probe is not switched on in beta
        assert lookup("probe.answer") is None
    with schema_context("public"):  # the district portal has no unit modules
        assert lookup("probe.answer") is None


def test_an_undeclared_lookup_is_an_error_not_a_switched_off_module(probe_module, alpha):
    with schema_context(alpha.schema_name), pytest.raises(LookupError, match="probe.anwser"):
        lookup("probe.anwser")


def test_a_module_declares_only_its_own_lookups():
    manifest = ModuleManifest(key="probe", name_zh="探针", name_en="Probe", app_label="probe", urls="",
                              lookups={"assets.card_by_number": f"{__name__}._answer"})
    with pytest.raises(ValueError, match="must be prefixed"):
        registry.register(manifest)
    assert registry.get_module("probe") is None


def test_the_installed_modules_reference_what_exists():
    assert manifest_references() == []
    call_command("check")


def test_check_fails_on_a_borrowed_role_lookup_or_demo_that_does_not_exist(monkeypatch):
    broken = ModuleManifest(key="probe", name_zh="探针", name_en="Probe", app_label="probe", urls="",
                            borrowed_roles=("assets.asset_oficer",),
                            lookups={"probe.card": "modules.probe.selectors.card"}, demo="modules.probe.demo.seed")
    monkeypatch.setitem(registry._modules, "probe", broken)
    errors = manifest_references()
    assert [e.id for e in errors] == ["registry.E001", "registry.E002", "registry.E003"]
    assert "assets.asset_oficer" in errors[0].msg and "probe.card" in errors[1].msg and "probe" in errors[2].msg
    with pytest.raises(SystemCheckError):
        call_command("check")
