"""Change requests on submitted inspection data as approval requests (see services/changes.py)."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from zhengtong.approvals.handlers import ApprovalHandler
from zhengtong.core.permissions import can

from .models import ChangeRequest
from .services import changes


class ChangeRequestHandler(ApprovalHandler):
    def get_subject(self, subject_id: int, *, lock: bool = False) -> ChangeRequest:
        qs = ChangeRequest.objects.select_for_update() if lock else ChangeRequest.objects.all()
        return qs.select_related("case").get(pk=subject_id)

    def can_submit(self, user, subject: ChangeRequest) -> bool:
        # Only through services.changes.change_request_submit, by the person who asked.
        return user is not None and user.pk == subject.requested_by_id

    def can_view_subject(self, user, subject: ChangeRequest) -> bool:
        return can(user, "inspection.view_inspectioncase", subject.case)

    def check_submittable(self, subject: ChangeRequest, *, resubmission: bool = False) -> None:
        if subject.state != ChangeRequest.State.PENDING:
            raise ValidationError(_("This change request is already decided (该变更申请已处理)."))

    def facts(self, subject: ChangeRequest) -> dict[str, Any]:
        return changes.change_facts(subject)

    def describe(self, subject: ChangeRequest) -> str:
        return f"{subject.case.number} {subject.get_target_display()} #{subject.target_id}"

    def subject_path(self, subject: ChangeRequest) -> str:
        return reverse("inspection:case_detail", args=[subject.case_id], urlconf="zhengtong.urls_tenant") + "#changes"

    def on_approved(self, *, request, subject: ChangeRequest, actor) -> None:
        changes.change_request_apply(cr=subject, actor=actor)

    def on_closed(self, *, request, subject: ChangeRequest, actor) -> None:
        changes.change_request_close(cr=subject, actor=actor, state=request.status)
