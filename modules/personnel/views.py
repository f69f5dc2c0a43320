"""Pages of the personnel module. Thin: membership is checked by the middleware (404 for
non-members, so district HR never reaches a unit's records), the module gate by the registry,
the access tier (own record / department head / HR) by the selectors, every rule by the
services. Objects outside the caller's tier answer 404, not 403: no confirmation that a
record with that id exists."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.accounts.selectors import unit_members
from zhengtong.core.actions import run_service
from zhengtong.core.feedback import form_error_messages
from zhengtong.core.permissions import require_perm
from zhengtong.core.submissions import once_per_submission

from . import forms, selectors, services
from .manifest import approval_type_key
from .models import Department, HandoverItem, Person, Post, Transfer
from .reports import drawings
from .reports import figures as report_figures
from .reports.tables import PeriodParameters, period_of

# --------------------------------------------------------------------------- people

@login_required
def person_list(request):
    """Everyone sees this page; what it lists depends on the tier (own / department / unit)."""
    sees_unit = selectors.sees_unit(request.user)
    headed = selectors.headed_department_ids(request.user)
    form = forms.SearchForm(request.GET or None, department_ids=None if sees_unit else headed)
    filters = form.cleaned_data if form.is_valid() else {}
    filters = {k: (v.pk if hasattr(v, "pk") else v) for k, v in filters.items()}
    q = filters.pop("q", "") or ""
    page = selectors.people_page(request.user, q=q, filters=filters, page=request.GET.get("page"))
    own = Person.objects.filter(user=request.user, status__in=Person.ACTIVE).first()
    return render(request, "personnel/person_list.html", {
        "page": page, "form": form, "q": q, "own": own, "sees_unit": sees_unit,
        "may_add": request.user.has_perm("personnel.add_person"), "heads": bool(headed)})


@login_required
def person_detail(request, pk):
    person = selectors.person_get(request.user, pk)
    transfers = selectors.transfers_visible(request.user).filter(person=person)
    return render(request, "personnel/person_detail.html", {
        "person": person, "history": selectors.history_of(person), "transfers": transfers,
        "may_manage": selectors.person_can_manage(request.user, person),
        "may_reveal": selectors.person_can_reveal(request.user) and not person.external,
        "may_move": "move" in selectors.actions_for(request.user, person),
        "sees_unit": selectors.sees_unit(request.user)})


@login_required
@once_per_submission
def person_create(request):
    require_perm(request, "personnel.add_person")
    form = forms.PersonForm(request.POST or None, users=unit_members(request.tenant))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done, person = run_service(request, lambda: services.person_create(actor=request.user, **data),
                                   success=_("Record of %(n)s created.") % {"n": data["name"].strip()})
        if done:
            return redirect("personnel:person_detail", pk=person.pk)
    elif request.method == "POST":
        form_error_messages(request, form)
    return render(request, "personnel/form.html", {"form": form, "title": _("New staff record"),
                                                   "back": "personnel:person_list"})


@login_required
def person_edit(request, pk):
    person = selectors.person_get(request.user, pk)
    if not selectors.person_can_manage(request.user, person):
        raise PermissionDenied
    initial = {"version": person.version, "name": person.name, "gender": person.gender,
               "education": person.education, "political_status": person.political_status,
               "employment_type": person.employment_type, "user": person.user_id}
    form = forms.PersonEditForm(request.POST or None, initial=initial, users=unit_members(request.tenant))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done, _saved = run_service(request, lambda: services.person_update(actor=request.user, person=person, **data),
                                   success=_("Record of %(n)s saved.") % {"n": data["name"]})
        if done:
            return redirect("personnel:person_detail", pk=person.pk)
    elif request.method == "POST":
        form_error_messages(request, form)
    return render(request, "personnel/form.html", {"form": form, "title": _("Edit %(n)s") % {"n": person.name},
                                                   "person": person})


@login_required
@require_POST
def person_reveal(request, pk):
    """The full ID number, shown once on the page that asked; the reveal is audited."""
    person = selectors.person_get(request.user, pk)
    number = services.person_reveal_id_number(actor=request.user, person=person)  # 403 and audited if not HR
    response = render(request, "personnel/reveal.html", {"person": person, "number": number})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def my_record(request):
    own = Person.objects.filter(user=request.user).order_by("-created_at").first()
    if own is None:
        messages.info(request, _("No staff record is linked to your account in this unit."))
        return redirect("personnel:person_list")
    return redirect("personnel:person_detail", pk=own.pk)


# --------------------------------------------------------------------------- transfers

@login_required
def transfer_list(request):
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    qs = selectors.transfers_visible(request.user)
    if status in Transfer.Status.values:
        qs = qs.filter(status=status)
    if kind in Transfer.Kind.values:
        qs = qs.filter(kind=kind)
    from django.core.paginator import Paginator

    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "personnel/transfer_list.html", {
        "page": page, "status": status, "kind": kind, "statuses": Transfer.Status.choices,
        "kinds": Transfer.Kind.choices})


@login_required
@once_per_submission
def transfer_create(request, pk):
    require_perm(request, "personnel.add_transfer")
    person = selectors.person_get(request.user, pk)
    form = forms.TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, transfer = run_service(
            request, lambda: services.transfer_request(actor=request.user, person=person, **form.cleaned_data),
            success=_("The move was recorded and sent for approval."))
        if done:
            return redirect("personnel:transfer_detail", pk=transfer.pk)
    elif request.method == "POST":
        form_error_messages(request, form)
    return render(request, "personnel/form.html", {
        "form": form, "title": _("New move for %(n)s") % {"n": person.name}, "person": person})


@login_required
def transfer_detail(request, pk):
    transfer = selectors.transfer_get(request.user, pk)
    return render(request, "personnel/transfer_detail.html", {
        "transfer": transfer, "items": transfer.handover_items.all(),
        "type_key": approval_type_key(transfer.kind), "actions": selectors.actions_for(request.user, transfer),
        "may_manage": request.user.has_perm("personnel.change_transfer"),  # the move's documents
        "item_form": forms.HandoverItemForm(), "reason_form": forms.ReasonForm()})


def _transfer_for_change(request, pk) -> Transfer:
    transfer = selectors.transfer_get(request.user, pk)
    if not request.user.has_perm("personnel.change_transfer"):
        raise PermissionDenied
    return transfer


@login_required
@require_POST
def handover_add(request, pk):
    transfer = _transfer_for_change(request, pk)
    form = forms.HandoverItemForm(request.POST)
    if form.is_valid():
        run_service(request, lambda: services.handover_item_add(actor=request.user, transfer=transfer,
                                                                **form.cleaned_data))
    else:
        form_error_messages(request, form)
    return redirect("personnel:transfer_detail", pk=transfer.pk)


@login_required
@require_POST
def handover_done(request, pk, item_pk):
    transfer = _transfer_for_change(request, pk)
    item = get_object_or_404(HandoverItem, pk=item_pk, transfer=transfer)
    run_service(request, lambda: services.handover_item_done(actor=request.user, item=item,
                                                             note=request.POST.get("note", "")))
    return redirect("personnel:transfer_detail", pk=transfer.pk)


@login_required
@require_POST
def handover_refresh(request, pk):
    transfer = _transfer_for_change(request, pk)
    if services.can_change_checklist(transfer, request.user) is None:
        services.handover_generate(transfer=transfer)
    return redirect("personnel:transfer_detail", pk=transfer.pk)


@login_required
@require_POST
def handover_override(request, pk):
    transfer = selectors.transfer_get(request.user, pk)
    require_perm(request, "personnel.override_handover")
    run_service(request, lambda: services.transfer_handover_override(actor=request.user, transfer=transfer,
                                                                     reason=request.POST.get("reason", "")),
                success=_("The move may complete with the open items; your reason is on record."))
    return redirect("personnel:transfer_detail", pk=transfer.pk)


@login_required
@require_POST
def transfer_reverse(request, pk):
    transfer = _transfer_for_change(request, pk)
    run_service(request, lambda: services.transfer_reverse(
        actor=request.user, transfer=transfer, reason=request.POST.get("reason", ""),
        establishment_override_reason=request.POST.get("establishment_override_reason", "")),
        success=_("The move was reversed; the history keeps both entries."))
    return redirect("personnel:transfer_detail", pk=transfer.pk)


@login_required
@require_POST
def secondment_end(request, pk):
    """Recall a seconded person before the end date (the job does it on the end date)."""
    transfer = _transfer_for_change(request, pk)
    run_service(request, lambda: services.secondment_return(transfer_id=transfer.pk, actor=request.user,
                                                            on=timezone.localdate()))
    return redirect("personnel:transfer_detail", pk=transfer.pk)


# --------------------------------------------------------------------------- organisation

@login_required
def organisation(request):
    """The department tree and the establishment with live vacancies (HR and unit leaders)."""
    require_perm(request, "personnel.view_post")
    figures = selectors.establishment_figures()
    by_dept: dict[int, list] = {}
    for f in figures:
        by_dept.setdefault(f.post.department_id, []).append(f)
    tree = [(d, depth, by_dept.get(d.pk, [])) for d, depth in selectors.department_tree()]
    totals = {"establishment": sum(f.establishment for f in figures), "occupied": sum(f.occupied for f in figures),
              "reserved": sum(f.reserved for f in figures), "vacancy": sum(f.vacancy for f in figures)}
    return render(request, "personnel/organisation.html", {
        "tree": tree, "totals": totals, "may_change": request.user.has_perm("personnel.change_post"),
        "establishment_form": forms.EstablishmentForm()})


@login_required
@once_per_submission
def department_create(request):
    require_perm(request, "personnel.add_department")
    form = forms.DepartmentForm(request.POST or None, users=unit_members(request.tenant))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["sort_order"] = data.get("sort_order") or 0
        done, _dept = run_service(request, lambda: services.department_create(actor=request.user, **data))
        if done:
            return redirect("personnel:organisation")
    elif request.method == "POST":
        form_error_messages(request, form)
    return render(request, "personnel/form.html", {"form": form, "title": _("New department"),
                                                   "back": "personnel:organisation"})


@login_required
def department_edit(request, pk):
    require_perm(request, "personnel.change_department")
    dept = get_object_or_404(Department, pk=pk)
    form = forms.DepartmentForm(request.POST or None, users=unit_members(request.tenant), initial={
        "name": dept.name, "code": dept.code, "parent": dept.parent_id, "head": dept.head_id,
        "sort_order": dept.sort_order})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done, _dept = run_service(request, lambda: services.department_update(
            actor=request.user, department=dept, name=d["name"], code=d["code"], parent=d["parent"],
            set_parent=True, head=d["head"], set_head=True, sort_order=d.get("sort_order") or 0))
        if done:
            return redirect("personnel:organisation")
    elif request.method == "POST":
        form_error_messages(request, form)
    return render(request, "personnel/form.html", {"form": form, "title": _("Edit %(n)s") % {"n": dept.name},
                                                   "back": "personnel:organisation"})


@login_required
@once_per_submission
def post_create(request):
    require_perm(request, "personnel.add_post")
    form = forms.PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, _post = run_service(request, lambda: services.post_create(actor=request.user, **form.cleaned_data))
        if done:
            return redirect("personnel:organisation")
    elif request.method == "POST":
        form_error_messages(request, form)
    return render(request, "personnel/form.html", {"form": form, "title": _("New post"),
                                                   "back": "personnel:organisation"})


@login_required
@require_POST
def post_establishment(request, pk):
    require_perm(request, "personnel.change_post")
    post = get_object_or_404(Post, pk=pk)
    form = forms.EstablishmentForm(request.POST)
    if form.is_valid():
        run_service(request, lambda: services.post_establishment_set(actor=request.user, post=post,
                                                                     **form.cleaned_data))
    else:
        form_error_messages(request, form)
    return redirect("personnel:organisation")


# --------------------------------------------------------------------------- figures

@login_required
def figures(request):
    """Inflow/outflow by month, by department and type, establishment usage per department and
    secondments outstanding, with their charts. HR and the unit leader only (unit-wide figures)."""
    if not selectors.sees_unit(request.user):
        raise Http404
    form = PeriodParameters(request.GET or None)
    today = timezone.localdate()
    start, end = date(today.year, 1, 1), today
    if request.GET and form.is_valid():
        start, end = period_of(form.cleaned_data)
    flows = report_figures.flows(start, end)
    establishment = report_figures.establishment_usage()
    return render(request, "personnel/reports/dashboard.html", {
        "form": form, "start": start, "end": end, "flows": flows,
        "establishment": establishment, "secondments": report_figures.secondments_outstanding(today),
        "flow_chart": mark_safe(drawings.flow_chart(flows)),
        "department_chart": mark_safe(drawings.department_chart(flows)),
        "establishment_chart": mark_safe(drawings.establishment_chart(establishment)),
    })
