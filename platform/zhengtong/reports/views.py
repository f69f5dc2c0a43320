"""Reports: request one, watch its progress, download it ("my downloads"), verify a PDF.

Membership of the unit is enforced by the middleware (non-members get 404 on a unit's host);
which reports a person may request comes from the registry (module switched on, permission);
a document is visible to the person who requested it and to nobody else.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import VerifyForm
from .models import IssuedDocument
from .registry import reports_for


@login_required
@require_GET
def report_list(request):
    page = Paginator(selectors.my_documents(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "reports/list.html", {
        "available": reports_for(user=request.user, unit=request.tenant),
        "page": page,
        "pending": any(d.is_pending for d in page),
    })


@login_required
@require_http_methods(["GET", "POST"])
def report_request(request, key: str):
    report = next((r for r in reports_for(user=request.user, unit=request.tenant) if r.key == key), None)
    if report is None:
        raise Http404
    form_class = report.form_class()
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        try:
            document = services.document_request(actor=request.user, unit=request.tenant, report_key=key,
                                                  parameters=data)
        except PermissionDenied:  # not offered to this person here: as if it did not exist
            raise Http404 from None
        except ValidationError as exc:
            if form is None:
                raise
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Report %(number)s requested: it is being generated.")
                             % {"number": document.number})
            return redirect("reports:detail", pk=document.pk)
    return render(request, "reports/request.html", {"report": report, "form": form})


@login_required
@require_GET
def document_detail(request, pk: int):
    document = selectors.my_document_get(user=request.user, pk=pk)
    return render(request, "reports/detail.html", {"document": document})


@login_required
@require_GET
def document_status(request, pk: int):
    document = selectors.my_document_get(user=request.user, pk=pk)
    done = document.status == IssuedDocument.Status.DONE
    return JsonResponse({
        "number": document.number,
        "status": document.status,
        "progress": document.progress,
        "phase": document.phase,
        "pages": document.pages,
        "download_url": reverse("reports:download", args=[document.pk]) if done else None,
    })


@login_required
@require_GET
def document_download(request, pk: int):
    document = selectors.my_document_get(user=request.user, pk=pk)
    if document.status != IssuedDocument.Status.DONE or not document.file:
        raise Http404
    services.document_downloaded(actor=request.user, document=document)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.download_name,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def document_verify(request):
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.document_verify(actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc)
    return render(request, "reports/verify.html", {"form": form, "result": result})
