"""The project approval (立项) as a request of the shared approval engine.

The chain (manifest.APPROVAL, editable per unit at /approvals/chains/) routes by the project's
class, computed with the unit's bounds when the request is submitted: finance, equipment and the
IT authority review every project; a 重大 project also goes to the district. The project is "in
approval" meanwhile; the last approval numbers it (services.project_approve), and its approval
notice (立项批准通知书) is then requested from its page through the reports engine.
"""
from __future__ import annotations

from typing import Any

from django.urls import reverse

from zhengtong.approvals.handlers import ApprovalHandler

from . import selectors, services
from .models import Project


class ProjectApprovalHandler(ApprovalHandler):
    def get_subject(self, subject_id: int, *, lock: bool = False) -> Project:
        qs = Project.objects.select_for_update() if lock else Project.objects.all()
        return qs.get(pk=subject_id)

    def can_submit(self, user, subject: Project) -> bool:
        return services.can_submit(user, subject) is None

    def can_view_subject(self, user, subject: Project) -> bool:
        return selectors.projects_visible(user).filter(pk=subject.pk).exists()

    def check_submittable(self, subject: Project, *, resubmission: bool = False) -> None:
        if refusal := services.submission_refusal(subject, resubmission=resubmission):
            raise refusal

    def submit_path(self, subject: Project) -> str:
        # The confirmation page names the class and the chain it picks (views.project_submit).
        return reverse("projects:submit", args=[subject.pk], urlconf="zhengtong.urls_tenant")

    def facts(self, subject: Project) -> dict[str, Any]:
        return {"amount": subject.estimated_investment,
                "project_class": services.class_for(subject.estimated_investment)}

    def describe(self, subject: Project) -> str:
        return f"{subject.name} · {subject.get_project_class_display()}"

    def subject_path(self, subject: Project) -> str:
        return reverse("projects:detail", args=[subject.pk], urlconf="zhengtong.urls_tenant")

    def on_submitted(self, *, request, subject: Project, actor) -> None:
        services.project_reclassify(subject)
        services.project_status_set(project=subject, status=Project.Status.IN_APPROVAL)

    def on_approved(self, *, request, subject: Project, actor) -> None:
        services.project_approve(project=subject, actor=actor)

    def on_closed(self, *, request, subject: Project, actor) -> None:
        status = Project.Status.REJECTED if request.status == "rejected" else Project.Status.DRAFT
        services.project_status_set(project=subject, status=status)
