"""The audit administrator's view of the trail: search, filter, page, export, verify.

There is deliberately no view that changes or deletes an event. Everyone but the audit
administrator of this unit (or, on the district portal, the district's) gets 403, and the
refusal is itself recorded; non-members never get here (TenantAccessMiddleware: 404).
"""
from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_tenants.utils import schema_context

from . import conf, export
from .forms import TrailFilterForm
from .models import AuditEvent
from .selectors import trail_events
from .services import audit_record, trail_read_allowed, verify_trail

PAGE_SIZE = 50


def trail_reader_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        trail_read_allowed(actor=request.user, unit=getattr(request, "tenant", None),
                           where=f"{request.method} {request.path}")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _pretty(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@require_GET
@trail_reader_required
def trail(request):
    form = TrailFilterForm(request.GET or None)
    events = AuditEvent.objects.none()
    if not form.is_bound or form.is_valid():
        events = trail_events(form.trail_filter() if form.is_bound else TrailFilterForm.empty())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    for e in page.object_list:
        e.before_text, e.after_text = _pretty(e.before), _pretty(e.after)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/trail.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "results": dict(AuditEvent.Result.choices),
    })


def _streamed_in_schema(chunks, schema):
    # The response is consumed after the middleware has returned: keep the unit's schema
    # for the query, whatever the connection is set to by then.
    with schema_context(schema):
        yield from chunks


@require_GET
@trail_reader_required
def trail_export(request, fmt: str):
    form = TrailFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Check the filters: %(e)s") % {"e": " ".join(
            str(m) for errs in form.errors.values() for m in errs)})
        return redirect("audit:trail")
    f = form.trail_filter() if form.is_bound else TrailFilterForm.empty()
    events = trail_events(f)
    count = events.count()
    if fmt == "xlsx" and count > conf.export_max_rows():
        messages.error(request, _("%(n)d events are more than a spreadsheet holds; narrow the filters or export CSV "
                                  "(超出表格行数上限，请缩小范围或导出CSV).") % {"n": count})
        return redirect(f"{reverse('audit:trail')}?{request.GET.urlencode()}")
    # Recorded (and committed) before a single row leaves: no export goes unrecorded.
    audit_record(action="audit.export", actor=request.user, object_type="audit.AuditEvent",
                 object_repr=_("Audit trail"), after={"format": fmt, "filters": f.as_dict(), "rows": count})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"audit-{connection.schema_name}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(_streamed_in_schema(export.csv_chunks(events), connection.schema_name),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return FileResponse(export.xlsx_file(events), as_attachment=True, filename=name,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@require_POST
@trail_reader_required
def trail_verify(request):
    """Walk this trail's hash chain now and say whether it is intact."""
    report = verify_trail()
    result = AuditEvent.Result.SUCCESS if report.ok else AuditEvent.Result.FAILURE
    audit_record(action="audit.verify", actor=request.user, object_type="audit.AuditEvent",
                 object_repr=_("Audit trail"), result=result,
                 after={"checked": report.checked, "broken_id": report.broken_id, "reason": report.reason,
                        "head_id": report.head_id, "protection": report.protection_problems})
    if report.ok:
        messages.success(request, _("The trail is intact: %(n)d events checked, the latest is #%(id)s.")
                         % {"n": report.checked, "id": report.head_id or "-"})
    elif report.broken_id is not None:
        messages.error(request, _("The trail is broken at event #%(id)s: %(reason)s (审计记录链在此处断开).")
                       % {"id": report.broken_id, "reason": report.reason})
    else:
        messages.error(request, _("The trail's protection is incomplete: %(p)s (审计记录保护不完整).")
                       % {"p": "; ".join(report.protection_problems)})
    return redirect("audit:trail")
