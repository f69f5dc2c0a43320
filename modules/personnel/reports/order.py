"""The transfer order (调令) of a completed cross-unit transfer, as a PDF from the platform's
reports pipeline (numbered document, CJK font embedded, unit and page numbers on every page).

The order carries its own serial, 调字〔year〕第N号, numbered per district and year without
gaps when the transfer completes (modules/personnel/exchange/services.py). Either party's
HR may print it in their unit; nobody else, and only for a completed transfer their unit
took part in: the builder runs as the requester, in the requester's unit.
"""
from __future__ import annotations

from django import forms
from django.db.models import Q

from zhengtong.core.errors import Refused
from zhengtong.reports.content import Column, TableReport

from ..exchange.models import CrossUnitTransfer

EMPLOYMENT = {"civil_servant": "公务员", "institution": "事业单位工作人员", "contract": "合同制人员"}


class OrderParameters(forms.Form):
    exchange = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def _transfer(user, params: dict) -> CrossUnitTransfer:
    from zhengtong.core.tenancy import current_unit

    from ..exchange.selectors import is_unit_hr

    unit = current_unit()
    try:
        pk = int(params["exchange"])
    except (KeyError, TypeError, ValueError):
        raise Refused("no transfer named") from None
    transfer = (CrossUnitTransfer.objects.filter(pk=pk, status=CrossUnitTransfer.Status.COMPLETED,
                                                 kind=CrossUnitTransfer.Kind.TRANSFER)
                .filter(Q(sender=unit) | Q(receiver=unit)).select_related("sender", "receiver", "district",
                                                                          "district_decided_by").first())
    if unit is None or transfer is None or not is_unit_hr(user, unit):
        # The worker records the failure; the message names no other transfer.
        raise Refused("transfer order not available to the requester")
    return transfer


def build(*, user, params: dict) -> TableReport:
    t = _transfer(user, params)
    d = t.effective_date
    rows = [
        ("调令编号", t.order_number),
        ("调出单位", t.sender.name),
        ("调入单位", t.receiver.name),
        ("姓名", t.person_name),
        ("人员类别", EMPLOYMENT.get(t.employment_type, t.employment_type or "—")),
        ("职级", t.rank or "—"),
        ("原部门及岗位", f"{t.from_department or '—'} / {t.from_post or '—'}"),
        ("调入部门及岗位", f"{t.to_department or '—'} / {t.to_post or '—'}"),
        ("调动理由", t.reason),
        ("生效日期", f"{d.year}年{d.month}月{d.day}日"),
    ]
    if t.establishment_override_reason:
        rows.append(("超编说明", t.establishment_override_reason))
    if t.needs_district_approval and t.district_decided_at:
        rows.append(("区人社局审批", f"已批准（{t.district_decided_at:%Y-%m-%d}）"))
    rows.append(("报到要求", f"请{t.person_name}同志于{d.year}年{d.month}月{d.day}日前到{t.receiver.name}报到。"
                             f"人事档案、工资关系随转。"))
    district = t.district.name if t.district_id else ""
    return TableReport(
        title="调令", subtitle=f"{t.order_number} · {t.sender.name} → {t.receiver.name}",
        columns=[Column("项目", 22), Column("内容", 78)], rows=rows,
        summary=[("调出单位（盖章）", t.sender.name), ("调入单位（盖章）", t.receiver.name),
                 *([("区人力资源和社会保障局", district)] if t.needs_district_approval and district else []),
                 ("签发日期", f"{t.completed_at:%Y-%m-%d}" if t.completed_at else "")])
