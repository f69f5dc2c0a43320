"""Reading attachments: only through the owner object's permission, in the active unit."""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.http import Http404

from zhengtong.core.permissions import can
from zhengtong.registry.middleware import enabled_modules

from .models import Attachment
from .services import owner_permission
from .uses import get_use


def attachments_of(owner: Model) -> QuerySet[Attachment]:
    """The owner's attachments; callers have already shown the owner to the user."""
    return Attachment.objects.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)


def attachment_for_download(*, user, pk: int, unit) -> Attachment:
    """The attachment if ``user`` may see its owner here, else 404 (never 403: do not
    confirm that a file with this id exists)."""
    attachment = Attachment.objects.select_related("owner_type").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    use = get_use(attachment.use)
    # A module switched off for the unit hides its files too.
    if use is None or use.module_key not in enabled_modules(unit):
        raise Http404
    owner = attachment.owner
    if owner is None or not can(user, owner_permission(owner, "view"), owner):
        raise Http404
    return attachment
