from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import selectors, services
from .forms import AssetForm
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
    return render(request, "assets/asset_detail.html", {"asset": asset})


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
