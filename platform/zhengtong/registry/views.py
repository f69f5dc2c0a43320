from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhengtong.audit.models import AuditEvent

from .middleware import enabled_modules
from .registry import get_module
from .rules import can_edit_rules, module_rules_update, rules_for, rules_form_class


def _enabled_manifest(request, key):
    manifest = get_module(key)
    if manifest is None or key not in enabled_modules(request.tenant):
        raise Http404
    return manifest


@login_required
def rules_edit(request, key):
    manifest = _enabled_manifest(request, key)
    if not can_edit_rules(request.user, manifest):
        raise PermissionDenied
    form_class = rules_form_class(manifest)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                module_rules_update(manifest=manifest, values=form.cleaned_data, actor=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Rules saved."))
                return redirect("registry:rules", key=key)
    else:
        form = form_class(initial=rules_for(manifest))
    history = AuditEvent.objects.filter(action="rules.update", object_id=key, result="success")[:20]
    return render(request, "registry/rules_edit.html", {"manifest": manifest, "form": form, "history": history})
