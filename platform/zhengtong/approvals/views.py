"""Approval pages on a unit's host. Thin: selectors read, services write; the engine
itself refuses what a user may not do, the pages only avoid offering it."""
from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.accounts.models import User
from zhengtong.core.actions import Outcome, attempt
from zhengtong.core.errors import Refused
from zhengtong.registry.middleware import enabled_modules
from zhengtong.registry.registry import UNIT_ADMIN, role_label

from . import selectors, services
from .chains import (
    approval_types,
    assignable_roles,
    effective_steps,
    get_type,
    handler_for,
    parse_conditions,
    route,
    type_name,
)
from .forms import ChainFormSet, ChainStepForm, CommentForm, DecisionForm, DelegationForm, SubmitForm
from .models import ApprovalRequest, ApprovalStep, Delegation


def _enabled_type(request, type_key: str):
    found = get_type(type_key)
    if found is None or found[0].key not in enabled_modules(request.tenant):
        raise Http404
    return found


# ------------------------------------------------------------------ lists


@login_required
def approval_list(request):
    user = request.user
    tab = request.GET.get("tab", "waiting")
    on = enabled_modules(request.tenant)
    keys = {t.key for m, t in approval_types() if m.key in on}
    waiting = [(r, s) for r, s in selectors.waiting_for(user) if r.type_key in keys]
    ctx = {"tab": tab, "waiting": waiting, "waiting_count": len(waiting),
           "can_see_all": user.has_role(UNIT_ADMIN) or any(user.has_role(m.module_admin_role)
                                                           for m, _t in approval_types()),
           "type_names": {t.key: type_name(t) for _m, t in approval_types()},
           "statuses": ApprovalRequest.Status.choices}
    if tab == "mine":
        ctx["page"] = Paginator(selectors.requests_of(user).filter(type_key__in=keys), 25).get_page(
            request.GET.get("page"))
    elif tab == "all" and ctx["can_see_all"]:
        status = request.GET.get("status", "")
        ctx["status"] = status
        ctx["page"] = Paginator(selectors.unit_requests(user, status=status).filter(type_key__in=keys), 25).get_page(
            request.GET.get("page"))
    else:
        ctx["tab"] = "waiting"
    return render(request, "approvals/list.html", ctx)


# ------------------------------------------------------------------ request page


def request_context(request, req: ApprovalRequest, *, district: bool, unit) -> dict:
    """What the request page shows, for the unit's host and the district portal alike."""
    user = request.user
    found = get_type(req.type_key)
    manifest, atype = found
    steps = list(selectors.steps_of(req))
    active = [s for s in steps if s.round == req.round and s.status == ApprovalStep.Status.ACTIVE]
    decisions = []
    for step in active:
        if district and not step.is_district:
            continue
        refusal = services.decision_refusal(req, step, user)
        decisions.append({"step": step, "refusal": refusal,
                          "votes": sum(1 for a in step.actions.all() if a.kind == "approve"),
                          "form": DecisionForm(initial={"step": step.pk})})
    subject_url = ""
    if not district:
        try:
            handler = handler_for(atype)
            subject_url = handler.subject_path(handler.get_subject(req.subject_id))
        except Exception:  # noqa: BLE001 - the subject may be gone; the request stays readable
            subject_url = ""
    return {
        "req": req, "type_name": type_name(atype), "steps": steps, "rounds": sorted({s.round for s in steps}),
        "timeline": selectors.timeline(req), "decisions": decisions, "district": district, "unit_obj": unit,
        "is_requester": req.requester_id == user.pk, "comment_form": CommentForm(),
        "subject_url": subject_url, "role_label": role_label,
        "action_url": (reverse("district_approvals:act", args=[unit.slug, req.pk]) if district
                       else reverse("approvals:act", args=[req.pk])),
        "back_url": reverse("district_approvals:list") if district else reverse("approvals:list"),
        "now": timezone.now(),
    }


@login_required
def request_detail(request, pk):
    req = selectors.request_for(request.user, pk)
    if req is None:
        raise Http404
    _enabled_type(request, req.type_key)
    return render(request, "approvals/request.html", request_context(request, req, district=False,
                                                                     unit=request.tenant))


def _posted_action(request, req: ApprovalRequest, *, district: bool):
    """The service call the posted action asks for and its success message (None: no such action)."""
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    step = request.POST.get("step") or None
    user = request.user
    if action in services.DECISIONS:
        done = {"approve": _("Approved."), "reject": _("Rejected."), "return": _("Returned for revision.")}
        return (lambda: services.approval_decide(request_id=req.pk, step_id=int(step or 0), actor=user,
                                                 decision=action, comment=comment, via_district=district),
                done[action])
    if action == "comment":
        return (lambda: services.approval_comment(request_id=req.pk, actor=user, comment=comment,
                                                  step_id=int(step) if step else None, via_district=district),
                _("Comment added."))
    if action == "withdraw" and not district:
        return (lambda: services.approval_withdraw(request_id=req.pk, actor=user, comment=comment),
                _("Request withdrawn."))
    if action == "resubmit" and not district:
        return (lambda: services.approval_resubmit(request_id=req.pk, actor=user, reason=comment),
                _("Request resubmitted."))
    return None, ""


def act(request, req: ApprovalRequest, *, district: bool, unit, done_url: str):
    """Run the posted action: back to the request page with the success message, or the page
    again with the reason and the outcome's status (403 refused, 400 invalid, 409 conflict)."""
    call, success = _posted_action(request, req, district=district)
    unknown = Outcome("invalid", reasons=[_("Unknown action (未知操作).")])
    try:
        outcome = attempt(call) if call else unknown
    except (ValueError, ApprovalStep.DoesNotExist):  # a step that is not a number or not this request's
        outcome = unknown
    if outcome.done:
        messages.success(request, success)
        return redirect(done_url)
    req.refresh_from_db()
    ctx = request_context(request, req, district=district, unit=unit)
    ctx["error"] = outcome.text
    return render(request, "approvals/request.html", ctx, status=outcome.status)


@login_required
@require_POST
def request_act(request, pk):
    req = selectors.request_for(request.user, pk)
    if req is None:
        raise Http404
    _enabled_type(request, req.type_key)
    return act(request, req, district=False, unit=request.tenant, done_url=reverse("approvals:detail", args=[req.pk]))


# ------------------------------------------------------------------ submit


@login_required
def submit(request, type_key, subject_id):
    manifest, atype = _enabled_type(request, type_key)
    handler = handler_for(atype)
    try:
        subject = handler.get_subject(subject_id)
    except Exception:  # noqa: BLE001 - missing subject: same answer as no permission
        raise Http404 from None
    if not handler.can_submit(request.user, subject):
        raise Http404
    open_req = selectors.open_request_for_subject(type_key, subject.pk)
    if open_req is not None:
        messages.info(request, _("This is already in approval (该事项已在审批中)."))
        return redirect("approvals:detail", pk=open_req.pk)
    own_page = handler.submit_path(subject)
    if own_page:  # the module asks for more than a reason (e.g. a disposal's type)
        return redirect(own_page)
    form = SubmitForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        outcome = attempt(lambda: services.approval_submit(type_key=type_key, subject_id=subject.pk,
                                                           actor=request.user, reason=form.cleaned_data["reason"]))
        if outcome.done:
            messages.success(request, _("Submitted for approval."))
            return redirect("approvals:detail", pk=outcome.result.pk)
        error = outcome.text
    from zhengtong.registry.rules import rules_for

    steps, _own = effective_steps(atype)
    preview = route(steps, handler.facts(subject), rules_for(manifest))
    return render(request, "approvals/submit.html", {
        "form": form, "type_name": type_name(atype), "subject": handler.describe(subject),
        "subject_url": handler.subject_path(subject), "facts": handler.facts(subject), "preview": preview,
        "role_label": role_label, "error": error,
    }, status=400 if error else 200)


# ------------------------------------------------------------------ chains


@login_required
def chain_list(request):
    on = enabled_modules(request.tenant)
    rows = []
    for manifest, atype in approval_types():
        if manifest.key not in on or not services.can_edit_chain(request.user, manifest):
            continue
        steps, own = effective_steps(atype)
        rows.append({"type": atype, "name": type_name(atype), "steps": steps, "own": own})
    if not rows:
        raise Http404
    return render(request, "approvals/chain_list.html", {"rows": rows, "role_label": role_label})


@login_required
def chain_edit(request, type_key):
    manifest, atype = _enabled_type(request, type_key)
    if not services.can_edit_chain(request.user, manifest):
        raise Http404
    steps, own = effective_steps(atype)
    error = ""
    if request.method == "POST" and request.POST.get("reset"):
        services.approval_chain_reset(type_key=type_key, actor=request.user)
        messages.success(request, _("The module's default chain applies again."))
        return redirect("approvals:chain_edit", type_key=type_key)
    if request.method == "POST":
        formset = ChainFormSet(request.POST, prefix="steps")
        if formset.is_valid():
            rows = []
            for f in formset.ordered_forms if formset.can_order else formset.forms:
                data = f.cleaned_data
                if not data or data.get("DELETE") or not (data.get("key") or data.get("name_zh") or data.get("role")):
                    continue
                try:
                    conditions = parse_conditions(data.get("conditions", ""), atype, manifest)
                except ValidationError as exc:
                    f.add_error("conditions", exc)
                    continue
                rows.append({**{k: v for k, v in data.items() if k not in ("ORDER", "DELETE")},
                             "conditions": conditions})
            if not any(f.errors for f in formset.forms):
                outcome = attempt(lambda: services.approval_chain_update(type_key=type_key, steps=rows,
                                                                         actor=request.user))
                if outcome.done:
                    messages.success(request, _("Approval chain saved."))
                    return redirect("approvals:chain_edit", type_key=type_key)
                error = outcome.text
    else:
        formset = ChainFormSet(prefix="steps", initial=[ChainStepForm.initial_for(s) for s in steps])
    from zhengtong.audit.models import AuditEvent
    from zhengtong.registry.rules import rules_for

    history = AuditEvent.objects.filter(action__startswith="approvals.chain.", object_id=type_key,
                                        result="success")[:20]
    return render(request, "approvals/chain_edit.html", {
        "atype": atype, "type_name": type_name(atype), "formset": formset, "own": own, "error": error,
        "history": history, "manifest": manifest,
        "rules": {k: v for k, v in rules_for(manifest).items()
                  if any(r.key == k and r.type in ("decimal", "int") for r in manifest.rules)},
        "sod": [(x, y) for x, y in atype.separation_of_duties],
    }, status=400 if (error or (request.method == "POST" and not formset.is_valid())) else 200)


# ------------------------------------------------------------------ delegations


def delegation_page(request, *, roles: list[str], schema_label: str, revoke_url_name: str, template_ctx: dict):
    from django_tenants.utils import schema_context

    schema = "public" if schema_label == "district" else request.tenant.schema_name
    choices = [(r, role_label(r)) for r in roles]
    form = DelegationForm(request.POST or None, roles=choices)
    error = ""
    if request.method == "POST" and form.is_valid() and choices:
        data = form.cleaned_data
        with schema_context("public"):
            delegate = User.objects.filter(email__iexact=data["delegate_email"], is_active=True).first()
        if delegate is None:
            error = _("No active account with this e-mail (该邮箱没有有效账号).")
        else:
            outcome = attempt(lambda: services.delegation_create(
                actor=request.user, delegate=delegate, role=data["role"], valid_from=data["valid_from"],
                valid_until=data["valid_until"], note=data["note"]))
            if outcome.done:
                messages.success(request, _("Delegation saved."))
                return redirect(request.path)
            error = outcome.text
    elif request.method == "GET":
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = DelegationForm(roles=choices, initial={"valid_from": now.strftime("%Y-%m-%dT%H:%M"),
                                                      "valid_until": (now + timedelta(days=7))
                                                      .strftime("%Y-%m-%dT%H:%M")})
    with schema_context(schema):
        given = list(Delegation.objects.filter(delegator=request.user).select_related("delegate")[:50])
        received = list(Delegation.objects.filter(delegate=request.user).select_related("delegator")[:50])
    return render(request, "approvals/delegations.html", {
        "form": form, "roles": choices, "given": given, "received": received, "error": error,
        "now": timezone.now(), "role_label": role_label, "revoke_url_name": revoke_url_name, **template_ctx,
    }, status=400 if error else 200)


@login_required
def delegations(request):
    held = sorted(k for k in request.user.role_keys if k in dict(assignable_roles()))
    return delegation_page(request, roles=held, schema_label="unit", revoke_url_name="approvals:delegation_revoke",
                           template_ctx={"district": False})


@login_required
@require_POST
def delegation_revoke(request, pk):
    try:
        services.delegation_revoke(actor=request.user, delegation_id=pk, role_schema=request.tenant.schema_name)
    except Refused:  # someone else's delegation: as if it did not exist
        raise Http404 from None
    messages.success(request, _("Delegation ended."))
    return redirect("approvals:delegations")
