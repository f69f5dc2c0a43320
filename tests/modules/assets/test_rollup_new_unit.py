"""A new unit is in the district roll-up's summary from its first second (issue 12, item 4):
until someone ran the refresh, every district page read such units live, one UNION ALL over
their schemas (663 ms at ~500 units instead of 46 ms)."""
from modules.assets.district.models import UnitSummaryState
from modules.assets.rollup import district_figures


def test_a_unit_onboarded_with_assets_has_summary_rows_at_once(operator):
    from tenants.services import unit_onboard

    unit = unit_onboard(name="新开通单位", slug="fresh-rollup", module_keys=["assets"], actor=operator,
                        send_invite=False).unit
    state = UnitSummaryState.objects.get(unit_id=unit.pk)
    assert state.cards == 0
    figures = district_figures()
    assert unit not in figures.live_units
    assert figures.as_of[unit.pk] == state.refreshed_at


def test_switching_assets_on_later_writes_the_summary_too(operator):
    from tenants.services import unit_module_set, unit_onboard

    unit = unit_onboard(name="后开通单位", slug="later-rollup", module_keys=[], actor=operator,
                        send_invite=False).unit
    assert not UnitSummaryState.objects.filter(unit_id=unit.pk).exists()
    unit_module_set(unit=unit, module_key="assets", enabled=True, actor=operator)
    assert UnitSummaryState.objects.filter(unit_id=unit.pk).exists()
