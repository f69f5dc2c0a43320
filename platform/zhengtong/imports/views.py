"""Upload, follow and download: thin views over zhengtong.imports.services.

Every view checks membership (middleware: non-members get 404), that the definition's
module is switched on in this unit (404 otherwise, as for the module's own pages), and
the role (403). Jobs are visible to the person who uploaded them only.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.core.actions import run_service
from zhengtong.registry.middleware import enabled_modules

from . import services, writers
from .forms import UploadForm
from .models import ImportJob
from .registry import all_imports, get_export, get_import


def _enabled(request, definition) -> bool:
    return definition is not None and definition.module_key in enabled_modules(request.tenant)


def _import_definition(request, key: str):
    definition = get_import(key)
    if not _enabled(request, definition):
        raise Http404
    if not definition.may_import(request.user):
        raise PermissionDenied
    return definition


@login_required
def index(request):
    definitions = [d for d in all_imports() if _enabled(request, d) and d.may_import(request.user)]
    jobs = ImportJob.objects.filter(created_by=request.user)[:20]
    return render(request, "imports/index.html", {"definitions": definitions, "jobs": jobs})


@login_required
def upload(request, key: str):
    definition = _import_definition(request, key)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        if f.size > services.upload_max_bytes():
            form.add_error("file", _("The file is larger than %(mb)d MB; split it into smaller files "
                                     "(文件超过%(mb)dMB，请拆分后上传).")
                           % {"mb": services.upload_max_bytes() // (1024 * 1024)})
        else:
            try:
                job = services.import_job_create(definition=definition, actor=request.user, filename=f.name,
                                                 data=f.read(), dry_run=form.cleaned_data["dry_run"])
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                if job.status == ImportJob.Status.DONE:
                    messages.success(request, _("%(n)d records imported.") % {"n": job.created_count})
                return redirect("imports:job", pk=job.pk)
    jobs = ImportJob.objects.filter(definition_key=key, created_by=request.user)[:10]
    return render(request, "imports/upload.html", {"definition": definition, "form": form, "jobs": jobs,
                                                   "max_mb": services.upload_max_bytes() // (1024 * 1024)})


@login_required
def template(request, key: str):
    definition = _import_definition(request, key)
    response = HttpResponse(writers.template_workbook(definition), content_type=writers.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{definition.name_zh}-导入模板.xlsx")
    return response


def _job(request, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob, pk=pk, created_by=request.user)
    definition = get_import(job.definition_key)
    if not _enabled(request, definition):
        raise Http404
    return job


def _problems(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e.get("row") or 0, e.get("column") or "", services.render_message(e["message"], e.get("params")))
            for e in job.errors]


@login_required
def job_detail(request, pk: int):
    job = _job(request, pk)
    definition = get_import(job.definition_key)
    notes = [services.render_message(n["message"], n.get("params")) for n in job.notes]
    return render(request, "imports/job.html", {"job": job, "definition": definition, "problems": _problems(job),
                                                "notes": notes, "more": job.error_count - len(job.errors)})


@login_required
@require_POST
def job_retry(request, pk: int):
    job = _job(request, pk)
    _import_definition(request, job.definition_key)  # the role may have gone since the upload
    run_service(request, lambda: services.import_job_retry(job=job, actor=request.user),
                success=_("The import was started again."))
    return redirect("imports:job", pk=job.pk)


@login_required
def job_status(request, pk: int):
    job = _job(request, pk)
    return JsonResponse({"id": job.pk, "status": job.status, "status_label": job.get_status_display(),
                         "finished": job.finished, "stuck": job.stuck, "phase": job.phase, "progress": job.progress,
                         "rows_read": job.rows_read, "rows_total": job.rows_total, "created": job.created_count,
                         "unchanged": job.unchanged_count, "problems": job.error_count})


@login_required
def job_problems(request, pk: int):
    job = _job(request, pk)
    data = writers.problems_workbook(_problems(job), headers=(_("Row"), _("Column"), _("Problem")))
    response = HttpResponse(data, content_type=writers.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"导入问题-{job.pk}.xlsx")
    return response


@login_required
def export(request, key: str, fmt: str):
    definition = get_export(key)
    if not _enabled(request, definition) or fmt not in ("xlsx", "csv"):
        raise Http404
    objects = services.export_prepare(definition=definition, user=request.user, params=request.GET, fmt=fmt)
    filename = f"{definition.name_zh}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(writers.csv_rows(definition.columns, objects),
                                         content_type=writers.CSV_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    return FileResponse(writers.write_xlsx(definition.columns, objects, title=definition.name_zh),
                        as_attachment=True, filename=filename, content_type=writers.XLSX_TYPE)
