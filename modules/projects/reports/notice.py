"""The project approval notice (立项批准通知书, 篇六 第八条: 计财部 issues it after approval) as a PDF
from the platform's reports pipeline (numbered document, CJK font embedded, unit and page numbers
on every page). Only for an approved project the requester may see: the builder runs as the
requester, in the requester's unit."""
from __future__ import annotations

from django import forms

from zhengtong.core.errors import Refused
from zhengtong.reports.content import Column, TableReport, money

# The notice is a Chinese document whatever the requester's language.
SCOPE = {"network": "信息网络", "security": "信息安全", "resources": "信息资源", "application": "信息应用系统"}
KIND = {"new": "新建", "extension": "扩建", "rebuild": "改建"}
CLASS = {"general": "一般信息化项目", "large": "大型信息化项目", "major": "重大信息化项目"}
GROUP_ROLE = {"business_pm": "业务项目经理", "deputy": "副经理", "member": "成员", "document_clerk": "兼职文档员"}


class NoticeParameters(forms.Form):
    project = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def build(*, user, params: dict) -> TableReport:
    from zhengtong.core.tenancy import current_unit

    from ..models import Project
    from ..selectors import projects_visible

    project = projects_visible(user).filter(pk=params.get("project"), status=Project.Status.APPROVED).first()
    if project is None:
        # The worker records the failure; the message names no project.
        raise Refused("approval notice not available to the requester")
    unit = current_unit()
    members = "、".join(f"{m.person.get_short_name()}（{GROUP_ROLE[m.role]}{'，脱产' if m.full_time else ''}）"
                       for m in project.members.select_related("person").order_by("pk")) or "—"
    rows = [
        ("立项编号", project.number),
        ("项目名称", project.name),
        ("申请单位", unit.name if unit else ""),
        ("项目范围", SCOPE[project.scope]),
        ("建设性质", KIND[project.kind]),
        ("投资估算（元）", money(project.estimated_investment)),
        ("项目类别", CLASS[project.project_class]),
        ("计划年度", str(project.year)),
        ("业务项目组", members),
        ("批准意见", f"同意立项。请运营改善部、{unit.name if unit else '项目申请单位'}按本通知书要求开展专业工作，"
                     f"依法组织项目招标。"),
    ]
    approved = project.approved_at
    return TableReport(
        title="立项批准通知书", subtitle=f"{project.number} · {project.name}",
        columns=[Column("项目", 22), Column("内容", 78)], rows=rows,
        summary=[("签发部门", "计财部"), ("批准日期", f"{approved:%Y-%m-%d}" if approved else "")])
