"""Pages of the custody sub-app (under the equipment module, /m/equipment/custody/…). Thin:
membership is checked by the middleware, the module gate by the registry, what a person may
see by the selectors and every rule by the services."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.core.actions import run_service
from zhengtong.core.errors import Invalid
from zhengtong.core.feedback import form_error_messages
from zhengtong.core.permissions import require_perm
from zhengtong.core.submissions import once_per_submission

from . import forms, selectors, services
from .models import CustodyItem, DamageIncident, DamageShare, EvaluationItem, HandoverItem, Semester
from .scoring import sparkline_points


# ============================================================================ custody register
@login_required
def custody_list(request):
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    page = Paginator(selectors.custody_items(user=request.user, search=q, status=status), 25).get_page(
        request.GET.get("page"))
    return render(request, "equipment/custody/custody_list.html", {
        "page": page, "q": q, "status": status, "statuses": CustodyItem.Status.choices,
        "sees_all": request.user.has_perm("equipment_custody.view_custodyitem"),
        "to_confirm": selectors.handover_items_to_confirm(user=request.user)})


@login_required
@once_per_submission
def custody_create(request):
    require_perm(request, "equipment_custody.add_custodyitem")
    form = forms.CustodyItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, item = run_service(request, lambda: services.custody_item_register(actor=request.user,
                                                                                  **form.cleaned_data))
        if done:
            messages.success(request, _("%(name)s registered.") % {"name": item.name})
            return redirect("equipment:custody_detail", pk=item.pk)
    return render(request, "equipment/custody/form.html", {"form": form, "title": _("Register a key or credential"),
                                                           "no_secret_notice": True})


@login_required
def custody_detail(request, pk):
    item = selectors.custody_item_get(user=request.user, pk=pk)
    actions = selectors.actions_for(request.user, item)
    return render(request, "equipment/custody/custody_detail.html", {
        "item": item, "actions": actions, "form": forms.CustodyMoveForm() if actions else None,
        "movements": item.movements.select_related("from_holder", "to_holder", "by")})


_MOVES = {"issue": services.custody_issue, "return": services.custody_return,
          "transfer": services.custody_transfer, "retire": services.custody_retire}


@login_required
@require_POST
def custody_move(request, pk, action):
    item = selectors.custody_item_get(user=request.user, pk=pk)
    require_perm(request, "equipment_custody.change_custodyitem")
    move = _MOVES.get(action)
    form = forms.CustodyMoveForm(request.POST)
    if move is None:
        raise PermissionDenied
    if form.is_valid():
        kwargs = {"on": form.cleaned_data["on"], "note": form.cleaned_data["note"]}
        if action in ("issue", "transfer"):
            kwargs["to_holder"] = form.cleaned_data["to_holder"]
        run_service(request, lambda: move(actor=request.user, item=item, **kwargs), success=_("Custody updated."))
    else:
        form_error_messages(request, form)
    return redirect("equipment:custody_detail", pk=item.pk)


# ============================================================================ hand-overs
@login_required
def handover_list(request):
    status = request.GET.get("status", "")
    page = Paginator(selectors.handover_tasks(user=request.user, status=status), 25).get_page(request.GET.get("page"))
    return render(request, "equipment/custody/handover_list.html", {
        "page": page, "status": status, "to_confirm": selectors.handover_items_to_confirm(user=request.user),
        "can_start": request.user.has_perm("equipment_custody.add_handovertask")})


@login_required
def handover_start(request):
    require_perm(request, "equipment_custody.add_handovertask")
    form = forms.HandoverStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, task = run_service(request, lambda: services.handover_start(actor=request.user, **form.cleaned_data))
        if done:
            if not task.items.exists():
                messages.info(request, _("This person holds nothing in the equipment module."))
            return redirect("equipment:handover_detail", pk=task.pk)
    return render(request, "equipment/custody/form.html", {"form": form, "title": _("Start a hand-over")})


@login_required
def handover_detail(request, pk):
    task = selectors.handover_task_get(user=request.user, pk=pk)
    items = list(task.items.select_related("new_holder"))
    for item in items:
        item.actions = selectors.actions_for(request.user, item)
    return render(request, "equipment/custody/handover_detail.html", {
        "task": task, "items": items, "actions": selectors.actions_for(request.user, task),
        "open_count": sum(1 for i in items if i.is_open),
        "assign_form": forms.HandoverAssignForm() if any("assign" in i.actions for i in items) else None})


@login_required
@require_POST
def handover_action(request, pk, action):
    task = selectors.handover_task_get(user=request.user, pk=pk)
    if action in ("assign", "confirm"):
        item = get_object_or_404(HandoverItem, pk=request.POST.get("item"), task=task)
        if action == "assign":
            form = forms.HandoverAssignForm(request.POST)
            if not form.is_valid():
                form_error_messages(request, form)
            else:
                run_service(request, lambda: services.handover_assign(
                    actor=request.user, item=item, new_holder=form.cleaned_data["new_holder"]),
                    success=_("New holder named; they confirm receipt themselves."))
        else:
            run_service(request, lambda: services.handover_confirm(actor=request.user, item=item),
                        success=_("Receipt confirmed: %(item)s is now yours.") % {"item": item.label})
    elif action == "close":
        run_service(request, lambda: services.handover_close(actor=request.user, task=task),
                    success=_("Hand-over closed: every item was received."))
    elif action == "refresh":
        run_service(request, lambda: services.handover_refresh(actor=request.user, task=task),
                    success=_("The list was brought up to date."))
    else:
        run_service(request, _unknown_action)
    return redirect("equipment:handover_detail", pk=task.pk)


def _unknown_action():
    raise PermissionDenied


# ============================================================================ damage incidents
@login_required
def damage_list(request):
    status = request.GET.get("status", "")
    page = Paginator(selectors.damage_incidents(user=request.user, status=status), 25).get_page(request.GET.get("page"))
    return render(request, "equipment/custody/damage_list.html", {
        "page": page, "status": status, "statuses": DamageIncident.Status.choices,
        "can_add": request.user.has_perm("equipment_custody.add_damageincident")})


@login_required
@once_per_submission
def damage_create(request):
    require_perm(request, "equipment_custody.add_damageincident")
    form = forms.DamageIncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, incident = run_service(request, lambda: services.damage_incident_create(actor=request.user,
                                                                                      **form.cleaned_data))
        if done:
            return redirect("equipment:damage_detail", pk=incident.pk)
    return render(request, "equipment/custody/form.html", {"form": form, "title": _("Record a damage incident")})


@login_required
def damage_edit(request, pk):
    incident = selectors.damage_incident_get(user=request.user, pk=pk)
    require_perm(request, "equipment_custody.change_damageincident")
    fields = ("title", "occurred_on", "kind", "cost", "device", "place", "description")
    form = forms.DamageIncidentForm(request.POST or None,
                                    initial={f: getattr(incident, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in fields if form.cleaned_data[f] != getattr(incident, f)}
        done, _incident = run_service(request, lambda: services.damage_incident_update(
            actor=request.user, incident=incident, **changes) if changes else incident, success=_("Incident saved."))
        if done:
            return redirect("equipment:damage_detail", pk=incident.pk)
    return render(request, "equipment/custody/form.html", {"form": form, "title": incident.title})


@login_required
def damage_detail(request, pk):
    incident = selectors.damage_incident_get(user=request.user, pk=pk)
    actions = selectors.actions_for(request.user, incident)
    shares = list(incident.shares.select_related("person", "payment_recorded_by"))
    trained = selectors.training_on_the_day(incident, [s.person for s in shares])
    for share in shares:
        share.trained = None if trained is None else trained.get(share.person_id)
    initial = {}
    for n, s in enumerate(shares):
        initial[f"person_{n}"], initial[f"share_{n}"] = s.person_id, s.share
    return render(request, "equipment/custody/damage_detail.html", {
        "incident": incident, "shares": shares, "actions": actions,
        "shares_form": forms.DamageSharesForm(initial=initial) if "set_shares" in actions else None,
        "payment_form": forms.PaymentForm() if "record_payment" in actions else None,
        "total_share": sum((s.share for s in shares), 0), "total_amount": sum((s.amount for s in shares), 0)})


@login_required
@require_POST
def damage_shares(request, pk):
    incident = selectors.damage_incident_get(user=request.user, pk=pk)
    require_perm(request, "equipment_custody.change_damageincident")
    form = forms.DamageSharesForm(request.POST)
    if not form.is_valid():
        form_error_messages(request, form)
    else:
        run_service(request, lambda: services.damage_shares_set(actor=request.user, incident=incident,
                                                                shares=form.lines()),
                    success=_("Shares saved; the amounts add up to the cost."))
    return redirect("equipment:damage_detail", pk=incident.pk)


@login_required
@require_POST
def damage_payment(request, pk, share_pk):
    incident = selectors.damage_incident_get(user=request.user, pk=pk)
    require_perm(request, "equipment_custody.change_damageincident")
    share = get_object_or_404(DamageShare, pk=share_pk, incident=incident)
    form = forms.PaymentForm(request.POST)
    if form.is_valid():
        run_service(request, lambda: services.damage_payment_record(actor=request.user, share=share,
                                                                    **form.cleaned_data),
                    success=_("Payment recorded."))
    else:
        form_error_messages(request, form)
    return redirect("equipment:damage_detail", pk=incident.pk)


# ============================================================================ evaluations
def _semester(request):
    semesters = list(selectors.semesters_for(user=request.user))
    chosen = request.GET.get("semester")
    current = next((s for s in semesters if str(s.pk) == chosen), semesters[0] if semesters else None)
    return semesters, current


@login_required
def evaluation_home(request):
    semesters, semester = _semester(request)
    user = request.user
    ctx = {"semesters": semesters, "semester": semester, "admin": services.is_module_admin(user),
           "rankings": selectors.may_see_rankings(user), "can_start": user.has_perm("equipment_custody.add_evaluation")}
    if semester is not None:
        ctx["evaluations"] = selectors.evaluations(user=user, semester=semester).order_by("-percent", "place__name")
        if ctx["rankings"]:
            ctx["place_ranking"] = selectors.place_ranking(user=user, semester=semester)
            ctx["person_ranking"] = selectors.person_ranking(user=user, semester=semester)
        if ctx["can_start"]:
            ctx["start_form"] = forms.EvaluationStartForm()
    return render(request, "equipment/custody/evaluation_home.html", ctx)


@login_required
@require_POST
def evaluation_start(request, semester_pk):
    require_perm(request, "equipment_custody.add_evaluation")
    semester = get_object_or_404(Semester, pk=semester_pk)
    form = forms.EvaluationStartForm(request.POST)
    if form.is_valid():
        done, ev = run_service(request, lambda: services.evaluation_start(actor=request.user, semester=semester,
                                                                          place=form.cleaned_data["place"]))
        if done:
            return redirect("equipment:evaluation_detail", pk=ev.pk)
    else:
        form_error_messages(request, form)
    return redirect(f"{reverse('equipment:evaluation_home')}?semester={semester.pk}")


@login_required
def evaluation_detail(request, pk):
    ev = selectors.evaluation_get(user=request.user, pk=pk)
    actions = selectors.actions_for(request.user, ev)
    if request.method == "POST":
        if not actions:
            raise PermissionDenied
        if request.POST.get("finalise"):
            run_service(request, lambda: services.evaluation_finalise(actor=request.user, evaluation=ev),
                        success=_("Evaluation is final."))
        else:
            run_service(request, lambda: services.evaluation_score(
                actor=request.user, evaluation=ev, **_scores_posted(request, ev)), success=_("Scores saved."))
        return redirect("equipment:evaluation_detail", pk=ev.pk)
    return render(request, "equipment/custody/evaluation_detail.html",
                  {"ev": ev, "scores": ev.scores.all(), "actions": actions})


def _scores_posted(request, ev) -> dict:
    """The points, notes and remarks typed on an evaluation sheet (a score left empty is not changed)."""
    points, notes = {}, {}
    for score in ev.scores.all():
        raw = request.POST.get(f"points_{score.pk}", "").strip()
        if raw != "":
            try:
                points[score.pk] = Decimal(raw)
            except InvalidOperation:
                raise Invalid(_("%(item)s: points must be a number (得分应为数字).")
                              % {"item": score.item_name}) from None
        notes[score.pk] = request.POST.get(f"note_{score.pk}", "")
    return {"points": points, "notes": notes, "remarks": request.POST.get("remarks", "")}


@login_required
def evaluation_trends(request):
    if not selectors.may_see_rankings(request.user):
        raise PermissionDenied
    semesters, table = selectors.trends(user=request.user)
    rows = [(place, values, sparkline_points(values)) for place, values in table]
    return render(request, "equipment/custody/evaluation_trends.html", {"semesters": semesters, "rows": rows})


@login_required
def evaluation_setup(request):
    """Module admins: the checklist items and the semesters."""
    if not services.is_module_admin(request.user):
        raise PermissionDenied
    editing = None
    if request.GET.get("item") or request.POST.get("item_id"):
        editing = get_object_or_404(EvaluationItem, pk=request.GET.get("item") or request.POST.get("item_id"))
    item_form = forms.EvaluationItemForm(request.POST if request.POST.get("what") == "item" else None,
                                         instance=editing)
    semester_form = forms.SemesterForm(request.POST if request.POST.get("what") == "semester" else None)
    if request.method == "POST":
        done = False
        if request.POST.get("what") == "item" and item_form.is_valid():
            done, _item = run_service(request, lambda: services.evaluation_item_save(
                actor=request.user, item=editing, **item_form.cleaned_data), success=_("Checklist item saved."))
        elif request.POST.get("what") == "semester" and semester_form.is_valid():
            done, _added = run_service(request, lambda: services.semester_create(
                actor=request.user, **semester_form.cleaned_data), success=_("Semester added."))
        if done:
            return redirect("equipment:evaluation_setup")
    return render(request, "equipment/custody/evaluation_setup.html", {
        "items": EvaluationItem.objects.all(), "semesters": Semester.objects.order_by("-starts_on"),
        "item_form": item_form, "semester_form": semester_form, "editing": editing})
