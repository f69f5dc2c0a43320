"""The asset card export (assets.asset), downloaded in both formats by readers who may see
part of the unit's cards: a custodian, a department head, a member without a role — the rows
are exactly the cards their list page shows, and no filter widens them (issue 13: every export
needs a test as a partial reader). Rules: modules/assets/selectors.py."""
from __future__ import annotations

from django_tenants.utils import schema_context

from modules.assets import services
from tests.conftest import ALPHA_HOST
from tests.support.exports import exported

NUMBER = "资产编号"


def test_asset_export_holds_exactly_the_cards_each_reader_may_see(alpha, people, cards, client_for):
    def numbers(user, **params):
        return exported(client_for(user, ALPHA_HOST), "assets.asset", NUMBER, **params)

    with schema_context(alpha.schema_name):
        services.department_head_assign(actor=people.admin, user=people.head, department="财务科")
    assert numbers(people.officer) == ["PM-001", "PM-002", "PM-003"]  # the unit's, never beta's
    assert numbers(people.li) == ["PM-001"]
    assert numbers(people.li, q="PM-00") == ["PM-001"]  # a search never widens the custody
    assert numbers(people.wang, status="in_use") == ["PM-002"]
    assert numbers(people.head) == ["PM-001", "PM-003"]  # 财务科's cards, not 办公室's
    assert numbers(people.head, q="王的打印机") == []
    assert numbers(people.outsider) == []


def test_the_asset_register_report_holds_exactly_the_cards_each_reader_may_see(alpha, people, cards):
    """The register PDF's rows and its count, built as the worker builds it for the requester."""
    from modules.assets.reports.register import build

    def register(user):
        with schema_context(alpha.schema_name):
            report = build(user=user, params={})
            numbers = sorted(row[0] for row in report.rows)  # read once, as the renderer does
            return numbers, report.resolved_totals()

    with schema_context(alpha.schema_name):
        services.department_head_assign(actor=people.admin, user=people.head, department="财务科")
    for user, expected in ((people.officer, ["PM-001", "PM-002", "PM-003"]), (people.li, ["PM-001"]),
                           (people.head, ["PM-001", "PM-003"]), (people.outsider, [])):
        numbers, totals = register(user)
        assert numbers == expected, user
        assert str(len(expected)) in str(totals[1]), totals  # the count printed is of these rows
