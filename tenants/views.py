"""The district portal (public schema): onboarding and running units, and the invitation link a
new member follows; on a unit's host, its member management."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from zhengtong.accounts.forms import InvitationAcceptForm
from zhengtong.accounts.selectors import unit_members
from zhengtong.accounts.services import ROLE_GRANTORS, member_roles_set, role_request_pending
from zhengtong.core.actions import attempt, run_service
from zhengtong.core.hosts import unit_url
from zhengtong.registry.middleware import enabled_modules
from zhengtong.registry.registry import DISTRICT_OPERATOR, all_modules, localized, role_label, unit_roles

from . import bulk, selectors, services
from .forms import BulkOnboardForm, InviteForm, RolesForm, UnitOnboardForm
from .models import BulkOnboarding, Unit


def operator_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.tenant.is_district_portal:
            raise Http404
        if not request.user.has_role(DISTRICT_OPERATOR):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@operator_required
def unit_list(request):
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    page = Paginator(selectors.unit_list(search=q, status=status), 25).get_page(request.GET.get("page"))
    return render(request, "tenants/unit_list.html",
                  {"page": page, "q": q, "status": status, "statuses": Unit.Status.choices})


@operator_required
def unit_create(request):
    form = UnitOnboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.unit_onboard(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("Unit %(name)s created. Invitation link for its administrator: %(url)s")
                             % {"name": done.unit.name, "url": done.invite_url})
            return redirect("tenants:unit_detail", pk=done.unit.pk)
    return render(request, "tenants/unit_form.html", {"form": form})


@operator_required
def unit_bulk(request):
    form = BulkOnboardForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            form.add_error("file", _("The file is larger than 5 MB (文件超过5MB)."))
        else:
            result = bulk.units_bulk_onboard(filename=upload.name, data=upload.read(), actor=request.user)
            if not result.errors:
                messages.success(request, _("Every row is valid: the units are being created "
                                            "(全部校验通过，正在创建单位)."))
                return redirect("tenants:unit_bulk_job", pk=result.job.pk)
    jobs = BulkOnboarding.objects.all()[:10]
    return render(request, "tenants/unit_bulk.html", {"form": form, "result": result, "jobs": jobs})


@operator_required
def unit_bulk_job(request, pk):
    job = get_object_or_404(BulkOnboarding, pk=pk)
    progress = bulk.bulk_job_progress(job)
    rows = Paginator(job.rows.select_related("unit"), 100).get_page(request.GET.get("page"))
    return render(request, "tenants/unit_bulk_job.html", {"job": job, "progress": progress, "rows": rows})


@operator_required
@require_POST
def unit_bulk_resume(request, pk):
    job = get_object_or_404(BulkOnboarding, pk=pk)
    run_service(request, lambda: bulk.bulk_job_resume(job=job, actor=request.user),
                success=_("Sent to the worker again: it goes on from the first unit not yet created "
                          "(已重新提交，将从尚未创建的单位继续)."))
    return redirect("tenants:unit_bulk_job", pk=job.pk)


@operator_required
def unit_bulk_template(request):
    response = HttpResponse(bulk.template_workbook(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="units-template.xlsx"'
    return response


@operator_required
def unit_detail(request, pk):
    unit = get_object_or_404(Unit.objects.exclude(schema_name="public"), pk=pk)
    on = enabled_modules(unit)
    modules = [{"key": m.key, "name": localized(m.name_zh, m.name_en), "enabled": m.key in on} for m in all_modules()]
    with schema_context(unit.schema_name):
        members = [{"user": u, "roles": [role_label(k) for k in sorted(u.role_keys)]} for u in unit_members(unit)]
    invite_form = InviteForm(role_choices=_role_choices())
    return render(request, "tenants/unit_detail.html",
                  {"u": unit, "modules": modules, "members": members, "invite_form": invite_form,
                   "statuses": Unit.Status.choices, "invitations": unit.invitations.order_by("-created_at")[:10]})


@operator_required
@require_POST
def unit_module_toggle(request, pk, key):
    unit = get_object_or_404(Unit.objects.exclude(schema_name="public"), pk=pk)
    run_service(request, lambda: services.unit_module_set(
        unit=unit, module_key=key, enabled=request.POST.get("enabled") == "1", actor=request.user))
    return redirect("tenants:unit_detail", pk=pk)


@operator_required
@require_POST
def unit_status(request, pk):
    unit = get_object_or_404(Unit.objects.exclude(schema_name="public"), pk=pk)
    run_service(request, lambda: services.unit_status_set(unit=unit, status=request.POST.get("status", ""),
                                                          actor=request.user))
    return redirect("tenants:unit_detail", pk=pk)


@operator_required
@require_POST
def unit_invite(request, pk):
    unit = get_object_or_404(Unit.objects.exclude(schema_name="public"), pk=pk)
    form = InviteForm(request.POST, role_choices=_role_choices())
    if form.is_valid():
        done, created = run_service(request, lambda: services.invitation_create(unit=unit, actor=request.user,
                                                                                 **form.cleaned_data))
        if done:
            messages.success(request, _("Invitation sent. Link: %(url)s") % {"url": created[1]})
    else:
        messages.error(request, _("Check the invitation form: %(e)s") % {"e": form.errors.as_text()})
    return redirect("tenants:unit_detail", pk=pk)


def _role_choices():
    return [(r.key, localized(r.name_zh, r.name_en)) for r in unit_roles()]


# ---------------------------------------------------------------- on a unit's host


def _member_manager(request):
    if request.tenant.is_district_portal:
        raise Http404
    if not selectors.may_manage_members(request.user, request.tenant):
        raise PermissionDenied


@login_required
def members(request):
    _member_manager(request)
    q = request.GET.get("q", "").strip()
    qs = unit_members(request.tenant)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(email__icontains=q)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    rows = [{"user": u, "roles": [role_label(k) for k in sorted(u.role_keys)]} for u in page]
    return render(request, "tenants/members.html", {"page": page, "rows": rows, "q": q,
                                                    "invite_form": InviteForm(role_choices=_role_choices())})


@login_required
def member_roles(request, user_id):
    _member_manager(request)
    member = get_object_or_404(unit_members(request.tenant), pk=user_id)
    form = RolesForm(request.POST or None, role_choices=_role_choices(),
                     initial={"role_keys": sorted(member.role_keys)})
    if request.method == "POST" and form.is_valid():
        outcome = attempt(lambda: member_roles_set(unit=request.tenant, user=member,
                                                   role_keys=form.cleaned_data["role_keys"], actor=request.user))
        if not outcome.done:
            form.add_error(None, outcome.reasons)
        else:
            waiting = role_request_pending(unit=request.tenant, user=member)
            if waiting is not None and waiting.requested_by_id == request.user.pk:
                messages.success(request, _("Roles saved. The administrator roles (三员) change once the district "
                                            "security administrator confirms (三员角色须经区级安全管理员确认后生效)."))
            else:
                messages.success(request, _("Roles saved."))
            return redirect("members")
    pending = role_request_pending(unit=request.tenant, user=member)
    return render(request, "tenants/member_roles.html", {
        "member": member, "form": form, "pending": pending,
        "pending_roles": [role_label(k) for k in pending.role_keys] if pending else []})


@login_required
@require_POST
def member_invite(request):
    _member_manager(request)
    form = InviteForm(request.POST, role_choices=_role_choices())
    if form.is_valid():
        if not request.user.has_role(*ROLE_GRANTORS):
            raise PermissionDenied
        _inv, url = services.invitation_create(unit=request.tenant, actor=request.user, check_actor=False,
                                               **form.cleaned_data)
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
    else:
        messages.error(request, form.errors.as_text())
    return redirect("members")


def invitation(request, token):
    """The link in an invitation mail: the new member names themselves and sets a password."""
    inv = services.invitation_lookup(token)
    if inv is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(request.POST or None, initial={"name": inv.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(token=token, name=form.cleaned_data["name"],
                                       password=form.cleaned_data["password1"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Welcome! Sign in with your email and new password."))
            return redirect(unit_url(inv.unit, "/accounts/login/"))
    return render(request, "accounts/invitation.html", {"form": form, "invitation": inv})
