"""Unit-portal pages of asset cards: list, register, edit, status, disposal request and record,
and who leads which department (department heads)."""
from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.accounts.selectors import unit_members
from zhengtong.core.actions import run_service
from zhengtong.core.submissions import once_per_submission
from zhengtong.registry.rules import rules_for

from .. import selectors, services
from ..depreciation import asset_terms
from ..forms import (
    AssetEditForm,
    AssetForm,
    AssetStatusForm,
    DepartmentHeadForm,
    DisposalRecordForm,
    DisposalRequestForm,
)
from ..manifest import DEPARTMENT_HEAD, MANIFEST, disposal_types_listed
from ..models import Asset, DepartmentHead


@login_required
def asset_list(request):
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    page = Paginator(selectors.asset_list(user=request.user, search=q, status=status), 25).get_page(
        request.GET.get("page"))
    return render(request, "assets/asset_list.html",
                  {"page": page, "q": q, "status": status, "statuses": Asset.Status.choices,
                   "can_assign_heads": services.may_assign_heads(request.user)})


@login_required
def asset_detail(request, pk):
    asset = selectors.asset_get(user=request.user, pk=pk)
    life_years, depreciable = asset_terms(asset)
    actions = selectors.actions_for(request.user, asset)
    status_form = AssetStatusForm(initial={"version": asset.version}) if "set_status" in actions else None
    disposal_form = None
    if "record_disposal" in actions:
        disposal_form = DisposalRecordForm(initial={"version": asset.version, "method": asset.disposal_method,
                                                    "proceeds": asset.disposal_proceeds})
    return render(request, "assets/asset_detail.html",
                  {"asset": asset, "actions": actions, "status_form": status_form, "disposal_form": disposal_form,
                   "life_years": life_years if depreciable else None, "depreciable": depreciable})


def _card_form_action(request, pk, form_class, invalid: str, call, success: str):
    """A form posted from the card page acting on the card: invalid input or the service's refusal
    is said in a message, success too (``success`` with the card's number as %(n)s); back to the card."""
    asset = selectors.asset_get(user=request.user, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, invalid)
    else:
        run_service(request, lambda: call(asset, form.cleaned_data), success=success % {"n": asset.number})
    return redirect("assets:detail", pk=asset.pk)


@login_required
@require_POST
def asset_status(request, pk):
    """In use / idle / lent … set by whoever may change the card; disposal goes through its approval."""
    return _card_form_action(
        request, pk, AssetStatusForm, _("Choose a status (请选择状态)."),
        lambda asset, data: services.asset_status_set(actor=request.user, asset=asset, status=data["status"],
                                                      reason=data["reason"], expected_version=data["version"]),
        success=_("Status of %(n)s saved."))


@login_required
@require_POST
def asset_disposal_record(request, pk):
    return _card_form_action(
        request, pk, DisposalRecordForm, _("Check the disposal method and proceeds (请检查处置方式和处置收入)."),
        lambda asset, data: services.asset_disposal_record(actor=request.user, asset=asset, method=data["method"],
                                                           proceeds=data["proceeds"],
                                                           expected_version=data["version"]),
        success=_("Disposal of %(n)s recorded."))


@login_required
def asset_disposal_request(request, pk):
    """The disposal request form on the card: type, reason, and the card's attachments (the
    technical appraisal among them) uploaded here before sending."""
    asset = selectors.asset_get(user=request.user, pk=pk)
    if services.can_edit(asset, request.user) is not None:
        raise PermissionDenied
    form = DisposalRequestForm(request.POST or None, initial={"version": asset.version,
                                                              "disposal_type": asset.disposal_method or None})
    if request.method == "POST" and form.is_valid():
        try:
            approval = services.asset_disposal_request(
                actor=request.user, asset=asset, disposal_type=form.cleaned_data["disposal_type"],
                reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"])
        except services.AssetChangedElsewhere as exc:
            form.add_error(None, exc)
            form.data = form.data.copy()
            form.data["version"] = exc.current.version
        except (ValidationError, PermissionDenied) as exc:  # shown on the form, next to what was chosen
            form.add_error(None, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            messages.success(request, _("Disposal of %(n)s requested.") % {"n": asset.number})
            return redirect("approvals:detail", pk=approval.pk)
    needing = disposal_types_listed(rules_for(MANIFEST)["disposal_appraisal_required_for"])
    return render(request, "assets/disposal_request.html", {
        "asset": asset, "form": form,
        "appraisal_required_for": [Asset.DisposalMethod(t).label for t in needing if t in Asset.DisposalMethod.values]})


def _head_admin(request) -> None:
    if not services.may_assign_heads(request.user):
        raise PermissionDenied


@login_required
def department_head_list(request):
    """The unit admin or asset officer says which departments each department head leads."""
    _head_admin(request)
    members = unit_members(request.tenant)
    candidates = [u for u in members if DEPARTMENT_HEAD in u.role_keys]
    form = DepartmentHeadForm(request.POST or None, users=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_head_assign(actor=request.user, user=form.cleaned_data["user"],
                                            department=form.cleaned_data["department"])
        except ValidationError as exc:  # shown on the form
            form.add_error(None, exc)
        else:
            messages.success(request, _("Department head saved."))
            return redirect("assets:department_heads")
    return render(request, "assets/department_heads.html", {
        "heads": selectors.department_heads(), "form": form, "departments": selectors.departments_on_cards()})


@login_required
@require_POST
def department_head_remove(request, pk):
    _head_admin(request)
    head = get_object_or_404(DepartmentHead, pk=pk)
    run_service(request, lambda: services.department_head_remove(actor=request.user, head=head),
                success=_("Department head removed."))
    return redirect("assets:department_heads")


@login_required
@once_per_submission
def asset_create(request):
    if not request.user.has_perm("assets.add_asset"):
        raise PermissionDenied
    form = AssetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        asset = services.asset_register(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Asset %(n)s registered.") % {"n": asset.number})
        return redirect("assets:detail", pk=asset.pk)
    return render(request, "assets/asset_form.html", {"form": form})


@login_required
def asset_edit(request, pk):
    asset = selectors.asset_get(user=request.user, pk=pk)
    if services.can_edit(asset, request.user) is not None:
        raise PermissionDenied
    conflict = None
    if request.method == "POST":
        form = AssetEditForm(request.POST, instance=asset)
        if form.is_valid():
            changes = {f: form.cleaned_data[f] for f in AssetForm.Meta.fields}
            try:
                asset = services.asset_update(actor=request.user, asset=asset,
                                              expected_version=form.cleaned_data["version"], **changes)
            except services.AssetChangedElsewhere as exc:
                # Keep what the user typed, show what is saved now, and carry the new
                # version: saving again is then a deliberate overwrite of what they saw.
                conflict = exc.current
                data = request.POST.copy()
                data["version"] = conflict.version
                # A copy: validating a ModelForm writes the input onto its instance.
                form = AssetEditForm(data, instance=copy(conflict))
                form.add_error(None, exc)
            else:
                messages.success(request, _("Asset %(n)s saved.") % {"n": asset.number})
                return redirect("assets:detail", pk=asset.pk)
    else:
        form = AssetEditForm(instance=asset, initial={"version": asset.version})
    return render(request, "assets/asset_edit.html", {"form": form, "asset": asset, "conflict": conflict})
