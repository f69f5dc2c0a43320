"""Upload and download of attachments. Downloads never go through MEDIA_URL: every file
is served here, after the unit membership (middleware), module and object checks."""
from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from zhengtong.core.feedback import error_messages
from zhengtong.core.permissions import get_visible
from zhengtong.registry.middleware import enabled_modules

from . import selectors, services
from .forms import AttachmentUploadForm
from .uses import get_use

logger = logging.getLogger(__name__)


def _back(request, owner):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(owner.get_absolute_url()) if hasattr(owner, "get_absolute_url") else redirect("home")


@login_required
@require_POST
def upload(request, use_key: str, owner_id: int):
    use = get_use(use_key)
    if use is None or use.module_key not in enabled_modules(request.tenant):
        raise Http404
    model = use.owner_model()
    owner = get_visible(request.user, services.owner_permission(model, "view"), model.objects.all(), pk=owner_id)
    services.attachment_add_allowed(actor=request.user, owner=owner, use=use)  # 403 before reading the upload
    form = AttachmentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return _back(request, owner)
    try:
        attachment = services.attachment_add(actor=request.user, owner=owner, use=use,
                                             upload=form.cleaned_data["file"])
    except ValidationError as exc:  # Invalid: the file's size, type or content
        error_messages(request, exc)
    else:
        messages.success(request, attachment.name)
    return _back(request, owner)


@login_required
@require_GET
def download(request, pk: int):
    attachment = selectors.attachment_for_download(user=request.user, pk=pk, unit=request.tenant)
    try:
        stream = attachment.file.open("rb")
    except FileNotFoundError:  # the row outlived its bytes (restored without media, removed by hand)
        logger.error("attachment %s in %s: file %s is missing", attachment.pk, request.tenant.schema_name,
                     attachment.file.name)
        raise Http404 from None
    response = FileResponse(stream, as_attachment=True, filename=attachment.name, content_type=attachment.mime)
    # Always a download, never rendered inline, and the browser must not second-guess
    # the type: an uploaded file can never run as a page of this site.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def delete(request, pk: int):
    attachment = selectors.attachment_for_download(user=request.user, pk=pk, unit=request.tenant)
    owner = attachment.owner
    services.attachment_delete(actor=request.user, attachment=attachment)  # refused: 403, audited
    return _back(request, owner)
