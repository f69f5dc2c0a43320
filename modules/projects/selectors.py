"""Reads of the IT projects module: the projects a person may see, the filtered and sorted list
(the page and its spreadsheet export read the same), and the actions a person may take on one."""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from . import services
from .models import Project

# The list's sort keys (?sort=, a leading "-" reverses): name, investment, class, year, status.
SORTS = {"name": "name", "investment": "estimated_investment", "class": "estimated_investment",
         "year": "year", "status": "status", "created": "created_at"}


def projects_visible(user) -> QuerySet[Project]:
    """The unit's reviewers and leaders see every project; an applicant sees the projects they
    applied for or are in the group of."""
    if user.has_perm("projects.view_project"):
        return Project.objects.all()
    return Project.objects.filter(Q(applicant_id=user.pk) | Q(members__person_id=user.pk)).distinct()


def project_list(user, *, project_class: str = "", status: str = "", year: str = "", q: str = "",
                 sort: str = "") -> QuerySet[Project]:
    projects = projects_visible(user)
    if project_class in Project.Class.values:
        projects = projects.filter(project_class=project_class)
    if status in Project.Status.values:
        projects = projects.filter(status=status)
    if str(year).isdigit():
        projects = projects.filter(year=int(year))
    if q:
        projects = projects.filter(Q(name__icontains=q) | Q(number__icontains=q))
    field = SORTS.get(sort.lstrip("-"))
    if field:
        order = f"-{field}" if sort.startswith("-") else field
        projects = projects.order_by(order, "-pk")
    return projects


def list_filters(params) -> dict:
    """The list's filters as the page and the export read them from the query string."""
    return {k: (params.get(k) or "").strip() for k in ("project_class", "status", "year", "q", "sort")}


def years(user) -> list[int]:
    return sorted(set(projects_visible(user).values_list("year", flat=True)), reverse=True)


def project_get(user, pk: int) -> Project:
    project = projects_visible(user).filter(pk=pk).first()
    if project is None:
        raise Http404
    return project


def actions_for(user, project: Project) -> list[str]:
    """What the project page offers ``user``: edit, add_member, submit, notice."""
    actions = []
    if services.can_edit(user, project) is None:
        actions += ["edit", "add_member"]
    if services.submission_refusal_by_state(project) is None and services.can_submit(user, project) is None:
        actions.append("submit")
    if project.status == Project.Status.APPROVED:
        actions.append("notice")
    return actions


def notice_for(user, project: Project):
    """The approval notice issued to ``user`` for ``project`` (the applicant's, issued on approval),
    the latest first; None when they hold none."""
    from zhengtong.reports.models import IssuedDocument

    if project.status != Project.Status.APPROVED:
        return None
    return (IssuedDocument.objects.filter(report_key=services.NOTICE_REPORT, requested_by_id=user.pk,
                                          parameters__project=project.pk).order_by("-pk").first())
