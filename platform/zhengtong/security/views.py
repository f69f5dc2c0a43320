"""Security administrator pages: the platform-wide policy (district), sign-in lockouts
(each unit's own members', or all of them on the district portal), second-factor resets,
role changes (the unit's trail; on the district portal also the 三员 requests to confirm)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from zhengtong.accounts.models import User
from zhengtong.accounts.services import role_request_decide as decide_role_request
from zhengtong.core.actions import run_service
from zhengtong.registry.registry import role_label

from . import selectors, services
from .forms import SecurityPolicyForm, TwoFactorResetForm


def security_admin_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not services.is_security_admin(request.user, request.tenant):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _district_only(request):
    if not request.tenant.is_district_portal:
        raise Http404


@security_admin_required
def index(request):
    return redirect("security:policy" if request.tenant.is_district_portal else "security:lockouts")


@security_admin_required
def policy(request):
    _district_only(request)
    current = selectors.security_policy()
    form = SecurityPolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.security_policy_update(actor=request.user, values=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Security policy saved."))
            return redirect("security:policy")
    return render(request, "security/policy.html", {"form": form, "policy": current,
                                                    "reset_form": TwoFactorResetForm()})


@security_admin_required
def lockouts(request):
    rows = [{"attempt": a, "email": a.username} for a in selectors.locked_out_attempts(unit=request.tenant)[:200]]
    return render(request, "security/lockouts.html", {"rows": rows, "policy": selectors.security_policy()})


@security_admin_required
@require_POST
def unlock(request, pk):
    attempt = get_object_or_404(selectors.locked_out_attempts(unit=request.tenant), pk=pk)
    run_service(request, lambda: services.lockout_unlock(actor=request.user, unit=request.tenant,
                                                         attempt_key=attempt.username),
                success=_("%(email)s can sign in again.") % {"email": attempt.username})
    return redirect("security:lockouts")


@security_admin_required
@require_POST
def two_factor_reset(request):
    _district_only(request)
    form = TwoFactorResetForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("security:policy")
    with schema_context("public"):
        person = User.objects.filter(email__iexact=form.cleaned_data["email"], is_system=False).first()
    if person is None:
        messages.error(request, _("No account has this email (该邮箱没有对应账户)."))
        return redirect("security:policy")
    done, count = run_service(request, lambda: services.two_factor_reset(actor=request.user, user=person))
    if done:
        messages.success(request, _("%(n)d second-factor device(s) of %(email)s removed; they enrol again at "
                                    "their next sign-in.") % {"n": count, "email": person.email})
    return redirect("security:policy")


@security_admin_required
def role_changes(request):
    """Who changed whose roles, and the 三员 changes waiting for the district's confirmation."""
    pending = [{"request": r, "asked": [role_label(k) for k in r.role_keys],
                "held": [role_label(k) for k in r.before_keys]}
               for r in selectors.role_requests_pending(unit=request.tenant)]
    events = [{"event": e, "before": [role_label(k) for k in (e.before or {}).get("roles", [])],
               "after": [role_label(k) for k in (e.after or {}).get("roles", [])]}
              for e in selectors.role_changes(unit=request.tenant)]
    return render(request, "security/role_changes.html", {
        "pending": pending, "events": events, "can_decide": request.tenant.is_district_portal})


@security_admin_required
@require_POST
def role_request_decide(request, pk):
    _district_only(request)
    confirm = request.POST.get("decision") == "confirm"
    done, decided = run_service(request, lambda: decide_role_request(request_id=pk, actor=request.user,
                                                                     confirm=confirm))
    if done:
        messages.success(request, (_("Confirmed: %(who)s's administrator roles in %(unit)s are changed.") if confirm
                                   else _("Refused: %(who)s's administrator roles in %(unit)s stay as they were."))
                         % {"who": decided.user, "unit": decided.unit.name})
    return redirect("security:role_changes")
