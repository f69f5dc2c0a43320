from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhengtong.core.permissions import can

from . import selectors, services
from .depreciation import asset_terms
from .forms import AssetEditForm, AssetForm
from .models import Asset


@login_required
def asset_list(request):
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    page = Paginator(selectors.asset_list(user=request.user, search=q, status=status), 25).get_page(
        request.GET.get("page"))
    return render(request, "assets/asset_list.html",
                  {"page": page, "q": q, "status": status, "statuses": Asset.Status.choices})


@login_required
def asset_detail(request, pk):
    asset = selectors.asset_get(user=request.user, pk=pk)
    life_years, depreciable = asset_terms(asset)
    return render(request, "assets/asset_detail.html",
                  {"asset": asset, "can_edit": can(request.user, "assets.change_asset", asset),
                   "life_years": life_years if depreciable else None, "depreciable": depreciable})


@login_required
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
    if not can(request.user, "assets.change_asset", asset):
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
