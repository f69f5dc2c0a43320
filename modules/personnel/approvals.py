"""Personnel moves (调配) as approval requests: one request type per kind of move
(manifest.APPROVAL_TYPES), each with its own chain a unit may edit. Submitting puts the
transfer "in approval"; the last approval makes it "approved" and draws up its hand-over
checklist; it takes effect on its effective date (tasks.transfers_apply_due), not on
approval. Rejection or withdrawal closes it."""
from __future__ import annotations

from typing import Any

from django.urls import reverse

from zhengtong.approvals.handlers import ApprovalHandler
from zhengtong.core.permissions import can

from .models import Transfer
from .selectors import transfer_can_view
from .services import can_submit, refuse_unless, transfer_check_changes, transfer_status_set


class TransferHandler(ApprovalHandler):
    def get_subject(self, subject_id: int, *, lock: bool = False) -> Transfer:
        qs = Transfer.objects.select_for_update() if lock else Transfer.objects.all()
        return qs.select_related("person").get(pk=subject_id)

    def can_submit(self, user, subject: Transfer) -> bool:
        return can(user, "personnel.add_transfer", subject)

    def can_view_subject(self, user, subject: Transfer) -> bool:
        return transfer_can_view(user, subject)

    def check_submittable(self, subject: Transfer, *, resubmission: bool = False) -> None:
        refuse_unless(can_submit(subject, resubmission=resubmission))
        transfer_check_changes(subject)  # the person may have been moved since it was recorded

    def facts(self, subject: Transfer) -> dict[str, Any]:
        dept = subject.after_department or subject.before_department
        return {"department": dept.name if dept else "", "employment_type": subject.person.employment_type}

    def describe(self, subject: Transfer) -> str:
        return f"{subject.person.name} {subject.get_kind_display()} {subject.effective_date:%Y-%m-%d}"

    def subject_path(self, subject: Transfer) -> str:
        return reverse("personnel:transfer_detail", args=[subject.pk], urlconf="zhengtong.urls_tenant")

    def on_submitted(self, *, request, subject: Transfer, actor) -> None:
        transfer_status_set(transfer_id=subject.pk, status=Transfer.Status.IN_APPROVAL, actor=actor)

    def on_approved(self, *, request, subject: Transfer, actor) -> None:
        transfer_status_set(transfer_id=subject.pk, status=Transfer.Status.APPROVED, actor=actor)

    def on_closed(self, *, request, subject: Transfer, actor) -> None:
        status = Transfer.Status.REJECTED if request.status == "rejected" else Transfer.Status.WITHDRAWN
        transfer_status_set(transfer_id=subject.pk, status=status, actor=actor)
