"""Files attached to objects of a unit (invoices and photos on an asset card, …).

The row lives in the unit's schema and the file under the unit's own media folder
(TenantFileSystemStorage: MEDIA_ROOT/<schema>/attachments/…), so neither the row nor
the bytes are reachable from another unit, even with the same ids.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the uploaded name: a random name cannot traverse folders, collide or carry
    # an extension other than the one of the type the content was identified as.
    today = timezone.localdate()
    return f"attachments/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{instance.extension}"


class Attachment(models.Model):
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.BigIntegerField()
    owner = GenericForeignKey("owner_type", "owner_id")
    use = models.CharField(_("use"), max_length=64)  # an AttachmentUse key, e.g. "assets.invoice"
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=120)  # sanitised, shown and used for download
    extension = models.CharField(max_length=8)
    mime = models.CharField(max_length=100)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    # Users live in the public schema; the FK crosses schemas through the search_path.
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="files_attachment_owner")]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def use_spec(self):
        from .uses import get_use

        return get_use(self.use)
