"""Attaching files to objects: checked by content, stored under the unit, audited."""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.core.permissions import can

from .filetypes import content_is_intact, sniff
from .models import Attachment
from .uses import AttachmentUse

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

NAME_MAX = 120
# Characters that mean something to file systems, shells or HTTP headers.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f;%]')


def sanitise_filename(raw: str, extension: str) -> str:
    """A display name safe for any file system and for Content-Disposition.

    Keeps Chinese and other letters; drops folders, control and reserved characters,
    leading dots (hidden files) and the uploaded extension, which is replaced by the
    extension of the type the content actually is.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # "C:\\fakepath\\x.pdf", "../../x.pdf"
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" ._")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" ._") or "file"
    stem = stem[: NAME_MAX - len(extension) - 1]
    return f"{stem}.{extension}"


def owner_permission(owner: models.Model | type[models.Model], action: str) -> str:
    """'app.view_model' / 'app.change_model' for the owner (an object or its model)."""
    meta = owner._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def check_upload(*, use: AttachmentUse, upload: UploadedFile):
    """The checks, in the order a user can act on: size, then content type. Returns the
    identified FileType or raises Invalid with a bilingual message."""
    if upload.size == 0:
        raise Invalid(_("The file is empty (文件为空)."), code="empty")
    if upload.size > use.size_limit:
        raise Invalid(
            _("The file is %(size)s; at most %(limit)s is allowed here (文件过大).")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(use.size_limit)},
            code="too_large",
        )
    sniffed = sniff(upload.file)
    if sniffed.is_executable:
        raise Invalid(
            _("This file is a program, not a document, whatever its name says: refused (该文件是可执行程序，"
              "无论文件名如何均不予接收)."),
            code="executable",
        )
    if sniffed.type is None or sniffed.type.key not in use.types:
        raise Invalid(
            _("The content of this file is not an allowed type. Allowed: %(types)s (文件内容不是允许的类型).")
            % {"types": use.types_label},
            code="type",
        )
    if not content_is_intact(sniffed.type, upload.file):
        raise Invalid(
            _("This file starts like a %(type)s but is not a readable %(type)s document (damaged, or something "
              "else renamed): refused. Save or export it again and upload the new file (文件开头像%(type)s，"
              "但内容不是可读取的%(type)s文档，可能已损坏或是其他文件改名，不予接收；请重新保存或导出后上传).")
            % {"type": sniffed.type.label},
            code="damaged",
        )
    return sniffed.type


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _may_attach(actor: User, owner: models.Model, use: AttachmentUse) -> None:
    if not can(actor, owner_permission(owner, "change"), owner):
        raise Refused(_("You may not add files to this record."), detail=use.key)


@audited_refusal("files.attachment.add", obj_arg="owner")
def attachment_add_allowed(*, actor: User, owner: models.Model, use: AttachmentUse) -> None:
    """Refuse (audited) unless ``actor`` may attach files to ``owner``: the upload page asks
    before it reads what was sent."""
    _may_attach(actor, owner, use)


@audited_refusal("files.attachment.add", obj_arg="owner")
@transaction.atomic
def attachment_add(*, actor: User, owner: models.Model, use: AttachmentUse, upload: UploadedFile) -> Attachment:
    if owner._meta.label != use.model:
        raise ValueError(f"{use.key} attaches to {use.model}, not {owner._meta.label}")
    _may_attach(actor, owner, use)
    owner_type = ContentType.objects.get_for_model(owner)
    # Lock the owner so two uploads at once cannot both pass the per-object count.
    type(owner).objects.select_for_update().filter(pk=owner.pk).first()
    if Attachment.objects.filter(owner_type=owner_type, owner_id=owner.pk, use=use.key).count() >= use.max_files:
        raise Invalid(_("At most %(n)d files of this kind per record (附件数量已达上限).") % {"n": use.max_files},
                      code="too_many")
    file_type = check_upload(use=use, upload=upload)
    attachment = Attachment(
        owner_type=owner_type, owner_id=owner.pk, use=use.key,
        name=sanitise_filename(upload.name, file_type.extension), extension=file_type.extension,
        mime=file_type.mime, size=upload.size, sha256=_sha256(upload), uploaded_by=actor,
    )
    # The storage writes under MEDIA_ROOT/<current schema>/: the row and the bytes
    # belong to the unit whose portal received the upload.
    attachment.file.save(attachment.name, upload, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            audit_record(action="files.attachment.add", actor=actor, obj=owner,
                         after={"use": use.key, "file": attachment.name, "type": attachment.extension,
                                "size": attachment.size, "sha256": attachment.sha256})
    except BaseException:
        # No row, no bytes. (Should a caller's enclosing transaction roll back later, the
        # file stays on disk unreferenced: never served, since downloads go by the row.)
        attachment.file.delete(save=False)
        raise
    return attachment


@audited_refusal("files.attachment.delete", obj_arg="attachment.owner")
@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    owner = attachment.owner
    if owner is None or not can(actor, owner_permission(owner, "change"), owner):
        raise Refused(_("You may not remove files from this record."), detail=attachment.name)
    path = attachment.file.path
    audit_record(action="files.attachment.delete", actor=actor, obj=owner,
                 before={"use": attachment.use, "file": attachment.name, "sha256": attachment.sha256})
    attachment.delete()
    # The bytes go only once the row's removal is committed.
    transaction.on_commit(lambda: os.path.exists(path) and os.remove(path))
