"""Pages of the IT projects module. Thin: membership is checked by the middleware (404 for
non-members), the module gate by the registry, visibility by the selectors (404 for a project a
person may not see), and every rule by the services through run_service."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.accounts.selectors import unit_members
from zhengtong.core.actions import run_service
from zhengtong.core.feedback import form_error_messages
from zhengtong.core.permissions import require_perm
from zhengtong.core.submissions import once_per_submission

from . import forms, selectors, services
from .models import Project


def _export_query(filters: dict) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in filters.items() if v})


@login_required
def project_list(request):
    filters = selectors.list_filters(request.GET)
    projects = selectors.project_list(request.user, **filters)
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    return render(request, "projects/project_list.html", {
        "page": page, "filters": filters, "export_query": _export_query(filters),
        "classes": Project.Class.choices, "statuses": Project.Status.choices,
        "years": selectors.years(request.user)})


@login_required
@once_per_submission
def project_create(request):
    require_perm(request, "projects.add_project")
    form = forms.ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, project = run_service(request, lambda: services.project_create(actor=request.user, **form.cleaned_data),
                                    success=_("Project application saved."))
        if done:
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/form.html", {"form": form, "title": _("Apply for a project")})


@login_required
def project_edit(request, pk: int):
    project = selectors.project_get(request.user, pk)
    if "edit" not in selectors.actions_for(request.user, project):
        raise Http404
    form = forms.ProjectForm(request.POST or None, instance=Project.objects.get(pk=project.pk))
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        done, _project = run_service(request, lambda: services.project_update(
            actor=request.user, project=project, **changes), success=_("Project saved."))
        if done:
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/form.html", {"form": form, "title": _("Edit %(n)s") % {"n": project.name}})


@login_required
def project_detail(request, pk: int):
    project = selectors.project_get(request.user, pk)
    actions = selectors.actions_for(request.user, project)
    return render(request, "projects/project_detail.html", {
        "project": project, "actions": actions, "notice": selectors.notice_for(request.user, project),
        "members": project.members.select_related("person").order_by("pk"),
        "member_form": forms.MemberForm(members=unit_members(request.tenant)) if "add_member" in actions else None,
    })


@login_required
@require_POST
def member_add(request, pk: int):
    project = selectors.project_get(request.user, pk)
    form = forms.MemberForm(request.POST, members=unit_members(request.tenant))
    if form.is_valid():
        run_service(request, lambda: services.member_add(actor=request.user, project=project, **form.cleaned_data),
                    success=_("Member added to the project group."))
    else:
        form_error_messages(request, form)
    return redirect("projects:detail", pk=project.pk)


@login_required
def project_submit(request, pk: int):
    """Submit for approval, after a confirmation page that names the class and the chain it picks."""
    project = selectors.project_get(request.user, pk)
    if "submit" not in selectors.actions_for(request.user, project):
        raise Http404
    form = forms.SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, _req = run_service(request, lambda: services.project_submit(
            actor=request.user, project=project, reason=form.cleaned_data["reason"]),
            success=_("Submitted for approval."))
        if done:
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/submit.html", {
        "project": project, "form": form, "project_class": services.class_for(project.estimated_investment)})


@login_required
@require_POST
def project_notice(request, pk: int):
    """Request the 立项批准通知书 PDF (numbered and rendered by the platform's reports pipeline)."""
    from zhengtong.reports.services import document_request

    project = selectors.project_get(request.user, pk)
    if "notice" not in selectors.actions_for(request.user, project):
        raise Http404
    done, document = run_service(request, lambda: document_request(
        actor=request.user, unit=request.tenant, report_key=services.NOTICE_REPORT, parameters={"project": project.pk}))
    if not done:
        return redirect("projects:detail", pk=project.pk)
    return redirect("reports:detail", pk=document.pk)
