"""What a module implements for each of its request types.

The engine knows steps, roles and decisions; the module knows the subject (an asset, a
transfer…). The engine calls these hooks inside its own transaction, in the unit's schema,
so the module's change and the approval's state commit or roll back together.
"""
from __future__ import annotations

from typing import Any

from django.db.models import Model


class ApprovalHandler:
    """Base class; override what the request type needs."""

    def get_subject(self, subject_id: int, *, lock: bool = False) -> Model:
        """The subject row in the current unit (``lock``: SELECT … FOR UPDATE)."""
        raise NotImplementedError

    def can_submit(self, user, subject: Model) -> bool:
        """May ``user`` ask for this approval about ``subject``?"""
        raise NotImplementedError

    def can_view_subject(self, user, subject: Model) -> bool:
        return False

    def check_submittable(self, subject: Model, *, resubmission: bool = False) -> None:
        """Raise ValidationError when the subject cannot go into approval (e.g. already disposed)."""

    def check_request(self, subject: Model) -> None:
        """Raise ValidationError when a request lacks what the module's own request page asks
        (see ``submit_path``). Called on submission only, not when offering the request."""

    def submit_path(self, subject: Model) -> str:
        """Path of the module's own request page, when a request needs more than a reason (a
        disposal's type and appraisal …). The approval panel links there and the generic
        request page sends people there; "" keeps the generic page."""
        return ""

    def facts(self, subject: Model) -> dict[str, Any]:
        """Values the chain's conditions test: every field of the type's ``condition_fields``."""
        return {}

    def describe(self, subject: Model) -> str:
        return str(subject)

    def subject_path(self, subject: Model) -> str:
        """Path of the subject's page on the unit's host, for links from the request."""
        return ""

    def on_submitted(self, *, request, subject: Model, actor) -> None:
        """The request entered approval (first submission or resubmission)."""

    def on_approved(self, *, request, subject: Model, actor) -> None:
        """The last step approved: carry the request out."""

    def on_closed(self, *, request, subject: Model, actor) -> None:
        """Rejected or withdrawn: undo what ``on_submitted`` did."""
