"""Pages of the equipment module. Thin: membership is checked by the middleware (404 for
non-members), the module gate by the registry, roles and object visibility here through the
selectors (404 for objects a person may not see), and every rule by the services."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.accounts.selectors import unit_members
from zhengtong.core.actions import run_service
from zhengtong.core.errors import Invalid
from zhengtong.core.feedback import form_error_messages
from zhengtong.core.permissions import require_perm
from zhengtong.core.submissions import once_per_submission

from . import forms, selectors, services
from .manifest import TECHNICIAN
from .models import Device, ExamQuestion, LogbookEntry, MaintenanceTask, RepairTicket

# Every equipment role holds this; members without any equipment role see only what they are
# responsible for (their devices and rooms, their tickets).
ANY_ROLE = "equipment.view_devicetype"


def _technicians(unit):
    from zhengtong.approvals.people import holder_ids

    return unit_members(unit).filter(pk__in=holder_ids(TECHNICIAN))


# ----------------------------------------------------------------------------- my equipment
@login_required
def my_equipment(request):
    user = request.user
    return render(request, "equipment/my_equipment.html", {
        "open_checkouts": selectors.my_open_checkouts(user=user),
        "held": selectors.devices_held_by(user_id=user.pk),
        "places": selectors.places_responsible_for(user_id=user.pk),
        "certifications": selectors.my_certifications(user=user)[:20],
        "log": selectors.my_log(user=user)[:20],
        "today": timezone.localdate(),
        "checkin_form": forms.CheckinForm(),
    })


# ----------------------------------------------------------------------------- devices
@login_required
def device_list(request):
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    devices = selectors.device_list(user=request.user, search=q, status=status)
    if not request.user.has_perm(ANY_ROLE) and not devices.exists():
        raise PermissionDenied
    page = Paginator(devices, 30).get_page(request.GET.get("page"))
    return render(request, "equipment/device_list.html", {
        "page": page, "q": q, "status": status, "statuses": Device.Status.choices})


@login_required
@once_per_submission
def device_create(request):
    require_perm(request, "equipment.add_device")
    form = forms.DeviceForm(request.POST or None, unit=request.tenant)
    if request.method == "POST" and form.is_valid():
        done, device = run_service(request, lambda: services.device_register(actor=request.user, **form.cleaned_data))
        if done:
            messages.success(request, _("Device %(n)s registered.") % {"n": device.name})
            return redirect("equipment:device_detail", pk=device.pk)
    return render(request, "equipment/form.html", {"form": form, "title": _("Register a device")})


@login_required
def device_edit(request, pk):
    require_perm(request, "equipment.change_device")
    device = selectors.device_get(user=request.user, pk=pk)
    form = forms.DeviceForm(request.POST or None, instance=device, unit=request.tenant)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        done, _device = run_service(request, lambda: services.device_update(
            actor=request.user, device=Device.objects.get(pk=device.pk), **changes), success=_("Device saved."))
        if done:
            return redirect("equipment:device_detail", pk=device.pk)
    return render(request, "equipment/form.html", {"form": form, "title": _("Edit %(n)s") % {"n": device.name}})


def _device_context(request, device, *, quick=False):
    user = request.user
    dtype = device.device_type
    holder = selectors.open_checkout(device=device)
    course = dtype.required_course
    ctx = {
        "device": device, "dtype": dtype, "quick": quick, "holder": holder,
        "refusal": services.use_refusal(user=user, device=device),
        "acknowledged": services.has_acknowledged(user=user, device_type=dtype),
        "certification": services.valid_certification(user=user, course=course) if course else None,
        "checkout_form": forms.CheckoutForm(), "session_form": forms.SessionForm(), "fault_form": forms.FaultForm(),
        "checkin_form": forms.CheckinForm(),
        "tickets": selectors.tickets_for_device(user=user, device=device)[:20],
        "log": selectors.logbook_for_device(user=user, device=device)[:20],
        "inspections": selectors.inspections_for_device(user=user, device=device)[:10],
        "open_tasks": (device.maintenance_tasks.filter(status=MaintenanceTask.Status.OPEN)
                       if user.has_perm("equipment.view_maintenancetask") else []),
        "actions": selectors.actions_for(user, device),
        "asset_card": services.asset_card_for(user=user, number=device.asset_number),
        "quick_url": request.build_absolute_uri(reverse("equipment:quick", args=[device.qr_token])),
    }
    return ctx


@login_required
def device_detail(request, pk):
    device = selectors.device_get(user=request.user, pk=pk)
    return render(request, "equipment/device_detail.html", _device_context(request, device))


@login_required
def quick(request, token):
    """The page a device's QR label opens: the device, its rules, and one-tap forms."""
    device = selectors.device_by_token(user=request.user, token=token)
    return render(request, "equipment/device_detail.html", _device_context(request, device, quick=True))


@login_required
def device_label(request, pk):
    """A printable QR label for the device (print it from the browser)."""
    import qrcode
    import qrcode.image.svg

    device = selectors.device_get(user=request.user, pk=pk)
    url = request.build_absolute_uri(reverse("equipment:quick", args=[device.qr_token]))
    svg = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).to_string(encoding="unicode")
    return render(request, "equipment/device_label.html", {"device": device, "svg": svg, "url": url})


@login_required
@require_POST
def device_act(request, pk, action):
    device = selectors.device_get(user=request.user, pk=pk)
    back = request.POST.get("back") == "quick"
    target = (reverse("equipment:quick", args=[device.qr_token]) if back
              else reverse("equipment:device_detail", args=[device.pk]))
    act = _DEVICE_ACTIONS.get(action, _unknown_action)
    _done, next_url = run_service(request, lambda: act(request, device))
    return redirect(next_url or target)


def _cleaned(form) -> dict:
    """The form's data, or Invalid carrying its errors as form_error_messages shows them."""
    if not form.is_valid():
        labels = {f: form.fields[f].label if f in form.fields else "" for f in form.errors}
        raise Invalid([f"{labels[f]}: {e}" if labels[f] else e for f, errors in form.errors.items() for e in errors])
    return form.cleaned_data


def _unknown_action(request, device):
    raise PermissionDenied


def _check_out(request, device):
    services.device_checkout(actor=request.user, device=device, **_cleaned(forms.CheckoutForm(request.POST)))
    messages.success(request, _("%(d)s checked out to you. Check it in when you bring it back.") % {"d": device.name})


def _log_session(request, device):
    services.session_log(actor=request.user, device=device, **_cleaned(forms.SessionForm(request.POST)))
    messages.success(request, _("Use of %(d)s logged.") % {"d": device.name})


def _report_fault(request, device):
    data = _cleaned(forms.FaultForm(request.POST, request.FILES))
    ticket = services.fault_report(actor=request.user, device=device, symptom=data["symptom"],
                                   photo=data.get("photo"))
    messages.success(request, _("Fault reported (ticket %(n)d). A technician will take it up.") % {"n": ticket.pk})
    return reverse("equipment:ticket_detail", args=[ticket.pk])  # the reporter goes on to follow their ticket


def _acknowledge(request, device):
    services.rules_acknowledge(actor=request.user, device_type=device.device_type)
    messages.success(request, _("Usage rules accepted."))


# The buttons of a device's page (and of its QR page): each validates its form, calls one service and
# says what was done; it may name the page to go to next (else back to the device).
_DEVICE_ACTIONS = {"checkout": _check_out, "session": _log_session, "fault": _report_fault,
                   "acknowledge": _acknowledge}


@login_required
@require_POST
def checkin(request, pk):
    # The borrower checks in their own; the equipment manager may check in anyone's.
    if request.user.has_perm("equipment.change_device"):
        open_checkouts = LogbookEntry.objects.filter(kind=LogbookEntry.Kind.CHECKOUT, ended_at__isnull=True)
    else:
        open_checkouts = selectors.my_open_checkouts(user=request.user)
    entry = get_object_or_404(open_checkouts, pk=pk)
    form = forms.CheckinForm(request.POST)
    if form.is_valid():
        run_service(request, lambda: services.device_checkin(
            actor=request.user, entry=entry, condition=form.cleaned_data["condition"], note=form.cleaned_data["note"]),
            success=_("%(d)s checked in.") % {"d": entry.device.name})
    else:
        form_error_messages(request, form)
    if request.POST.get("next_page") == "device":
        return redirect("equipment:device_detail", pk=entry.device_id)
    return redirect("equipment:my_equipment")


@login_required
def device_inspect(request, pk):
    require_perm(request, "equipment.add_inspectionrecord")
    device = selectors.device_get(user=request.user, pk=pk)
    dtype = device.device_type
    form = forms.InspectionForm(request.POST or None, checklist=dtype.checklist,
                                tracks_antivirus=dtype.tracks_antivirus,
                                initial={"kind": request.GET.get("kind", MaintenanceTask.Kind.INSPECTION)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done, _record = run_service(request, lambda: services.inspection_record(
            actor=request.user, device=device, kind=data["kind"], results=form.results(), notes=data["notes"],
            inspected_on=data["inspected_on"], antivirus_scanned_on=data.get("antivirus_scanned_on"),
            antivirus_definitions_on=data.get("antivirus_definitions_on"), patched_on=data.get("patched_on")),
            success=_("Inspection recorded."))
        if done:
            return redirect("equipment:device_detail", pk=device.pk)
    return render(request, "equipment/inspection_form.html", {"form": form, "device": device})


# ----------------------------------------------------------------------------- places
@login_required
def place_list(request):
    places = selectors.place_list(user=request.user)
    if not request.user.has_perm(ANY_ROLE) and not places.exists():
        raise PermissionDenied
    return render(request, "equipment/place_list.html", {"places": places})


@login_required
@once_per_submission
def place_create(request):
    require_perm(request, "equipment.add_place")
    form = forms.PlaceForm(request.POST or None, unit=request.tenant)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("active", None)
        done, place = run_service(request, lambda: services.place_create(actor=request.user, **data))
        if done:
            messages.success(request, _("Place %(n)s registered.") % {"n": place.name})
            return redirect("equipment:place_detail", pk=place.pk)
    return render(request, "equipment/form.html", {"form": form, "title": _("Register a place")})


@login_required
def place_edit(request, pk):
    require_perm(request, "equipment.change_place")
    place = selectors.place_get(user=request.user, pk=pk)
    form = forms.PlaceForm(request.POST or None, instance=place, unit=request.tenant)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.changed_data}
        deputies = data.pop("deputies", None)
        done, _place = run_service(request, lambda: services.place_update(
            actor=request.user, place=place, deputies=deputies, **data), success=_("Place saved."))
        if done:
            return redirect("equipment:place_detail", pk=place.pk)
    return render(request, "equipment/form.html", {"form": form, "title": _("Edit %(n)s") % {"n": place.name}})


@login_required
def place_detail(request, pk):
    place = selectors.place_get(user=request.user, pk=pk)
    form = forms.PlaceSessionForm(request.POST or None, initial=forms.SessionForm().initial)
    if request.method == "POST":
        if form.is_valid():
            done, _entry = run_service(request, lambda: services.session_log(
                actor=request.user, place=place, **form.cleaned_data),
                success=_("Use of %(p)s logged.") % {"p": place.name})
            if done:
                return redirect("equipment:place_detail", pk=place.pk)
        else:
            form_error_messages(request, form)
    return render(request, "equipment/place_detail.html", {
        "place": place, "devices": selectors.device_list(user=request.user, place_id=place.pk),
        "log": selectors.logbook_for_place(user=request.user, place=place)[:30], "form": form})


# ----------------------------------------------------------------------------- device types and rules
def _require_type_reader(request) -> None:
    # The assets module's officer may hold no equipment role, yet may require a training.
    if not (request.user.has_perm(ANY_ROLE) or services.may_require_training(request.user)):
        raise PermissionDenied


@login_required
def type_list(request):
    _require_type_reader(request)
    return render(request, "equipment/type_list.html", {
        "types": selectors.device_type_list(user=request.user),
        "may_edit": services.is_type_admin(request.user)})


@login_required
@once_per_submission
def type_create(request):
    if not services.is_type_admin(request.user):
        raise PermissionDenied
    form = forms.DeviceTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, dtype = run_service(request, lambda: services.device_type_save(actor=request.user, **form.cleaned_data))
        if done:
            messages.success(request, _("Device type %(n)s saved.") % {"n": dtype.name})
            return redirect("equipment:type_detail", pk=dtype.pk)
    return render(request, "equipment/form.html", {"form": form, "title": _("New device type")})


@login_required
def type_detail(request, pk):
    _require_type_reader(request)
    dtype = get_object_or_404(selectors.device_type_list(user=request.user), pk=pk)
    may_edit = services.is_type_admin(request.user)
    may_require = services.may_require_training(request.user)
    form = forms.DeviceTypeForm(request.POST or None, instance=dtype) if may_edit else None
    require_form = (forms.RequireTrainingForm(request.POST or None, initial={"course": dtype.required_course})
                    if may_require and not may_edit else None)
    if request.method == "POST":
        if not (may_edit or may_require):
            raise PermissionDenied
        if form is not None:
            def save():
                data = _cleaned(form)
                return services.device_type_save(actor=request.user, device_type=selectors.device_type_list(
                    user=request.user).get(pk=pk), **{f: data[f] for f in form.changed_data})
        else:
            def save():
                return services.device_type_require_training(actor=request.user, device_type=dtype,
                                                             course=_cleaned(require_form)["course"])
        done, _saved = run_service(request, save, success=_("Device type saved."))
        if done:
            return redirect("equipment:type_detail", pk=dtype.pk)
    return render(request, "equipment/type_detail.html", {"dtype": dtype, "form": form,
                                                          "require_form": require_form})


# ----------------------------------------------------------------------------- training
@login_required
def training_list(request):
    require_perm(request, ANY_ROLE)
    certs = {c.course_id: c for c in reversed(list(selectors.my_certifications(user=request.user)))}
    return render(request, "equipment/training_list.html", {
        "courses": selectors.course_list(user=request.user), "certs": certs, "today": timezone.localdate()})


@login_required
@once_per_submission
def course_create(request):
    require_perm(request, "equipment.add_trainingcourse")
    form = forms.CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, course = run_service(request, lambda: services.course_save(actor=request.user, **form.cleaned_data))
        if done:
            return redirect("equipment:course_detail", pk=course.pk)
    return render(request, "equipment/form.html", {"form": form, "title": _("New training course")})


@login_required
def course_edit(request, pk):
    require_perm(request, "equipment.change_trainingcourse")
    course = selectors.course_get(user=request.user, pk=pk)
    form = forms.CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        done, _course = run_service(request, lambda: services.course_save(
            actor=request.user, course=course, **{f: form.cleaned_data[f] for f in form.changed_data}))
        if done:
            return redirect("equipment:course_detail", pk=course.pk)
    return render(request, "equipment/form.html", {"form": form, "title": _("Edit %(n)s") % {"n": course.title}})


@login_required
def course_detail(request, pk):
    require_perm(request, ANY_ROLE)
    course = selectors.course_get(user=request.user, pk=pk)
    questions = list(course.questions.all())
    exam = forms.ExamForm(request.POST or None, questions=questions)
    result = None
    if request.method == "POST":
        if exam.is_valid():
            done, result = run_service(request, lambda: services.exam_submit(actor=request.user, course=course,
                                                                             answers=exam.answers()))
            if done:
                if result.attempt.passed:
                    messages.success(request, _("Passed with %(s)d%%. Your certification is valid until %(d)s.")
                                     % {"s": result.attempt.score, "d": result.certification.valid_until})
                else:
                    messages.error(request, _("Not passed: %(s)d%% (pass mark %(p)d%%). Read the material and try "
                                              "again.") % {"s": result.attempt.score, "p": course.pass_mark})
                return redirect("equipment:course_detail", pk=course.pk)
        else:
            messages.error(request, _("Answer every question."))
    manage = request.user.has_perm("equipment.change_trainingcourse")
    return render(request, "equipment/course_detail.html", {
        "course": course, "exam": exam, "questions": questions, "manage": manage,
        "question_form": forms.QuestionForm() if manage else None,
        "certification": services.valid_certification(user=request.user, course=course),
        "certifications": selectors.certifications_of_course(user=request.user, course=course)[:100],
        "flagged": selectors.flagged_exam_takers(user=request.user, course=course,
                                                 failures=services.rules()["exam_failures_flag"]),
        "types": course.device_types.all(),
    })


@login_required
@require_POST
def question_add(request, pk):
    require_perm(request, "equipment.change_trainingcourse")
    course = selectors.course_get(user=request.user, pk=pk)
    form = forms.QuestionForm(request.POST)
    if form.is_valid():
        run_service(request, lambda: services.question_add(
            actor=request.user, course=course, text=form.cleaned_data["text"],
            options=form.cleaned_data["options"].splitlines(), correct_option=form.cleaned_data["correct_option"] - 1))
    else:
        form_error_messages(request, form)
    return redirect("equipment:course_detail", pk=course.pk)


@login_required
@require_POST
def question_remove(request, pk, question_id):
    require_perm(request, "equipment.change_trainingcourse")
    course = selectors.course_get(user=request.user, pk=pk)
    question = get_object_or_404(ExamQuestion, pk=question_id, course=course)
    services.question_remove(actor=request.user, question=question)
    return redirect("equipment:course_detail", pk=course.pk)


# ----------------------------------------------------------------------------- repairs
@login_required
def ticket_list(request):
    status = request.GET.get("status", "")
    open_only = request.GET.get("open") == "1"
    tickets = selectors.ticket_list(user=request.user, status=status, open_only=open_only)
    page = Paginator(tickets, 30).get_page(request.GET.get("page"))
    return render(request, "equipment/ticket_list.html", {
        "page": page, "status": status, "open_only": open_only, "statuses": RepairTicket.Status.choices})


@login_required
def ticket_detail(request, pk):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    moves = selectors.actions_for(request.user, ticket)
    form = None
    if moves:
        form = forms.TicketForm(initial={"cost": ticket.cost, "resolution": ticket.resolution,
                                         "technician": ticket.technician_id or request.user.pk},
                                technicians=_technicians(request.tenant))
        form.fields["status"].choices = [(v, lbl) for v, lbl in RepairTicket.Status.choices if v in moves]
    return render(request, "equipment/ticket_detail.html", {
        "ticket": ticket, "form": form, "downtime_hours": round(ticket.downtime.total_seconds() / 3600, 1)})


@login_required
@require_POST
def ticket_status(request, pk):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    if not services.is_technician(request.user):
        # Only technicians move tickets, whatever the form says: the service refuses (and audits it),
        # and here that refusal is a 403, not a message.
        services.ticket_transition(actor=request.user, ticket=ticket, status=request.POST.get("status", ""))
    form = forms.TicketForm(request.POST, technicians=_technicians(request.tenant))
    if not form.is_valid():
        form_error_messages(request, form)
        return redirect("equipment:ticket_detail", pk=ticket.pk)
    data = form.cleaned_data
    run_service(request, lambda: services.ticket_transition(
        actor=request.user, ticket=ticket, status=data["status"], technician=data.get("technician"),
        cost=data.get("cost"), resolution=data.get("resolution")), success=_("Ticket updated."))
    return redirect("equipment:ticket_detail", pk=ticket.pk)


# ----------------------------------------------------------------------------- maintenance
@login_required
def maintenance_list(request):
    require_perm(request, "equipment.view_maintenancetask")
    overdue_only = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    return render(request, "equipment/maintenance_list.html", {
        "tasks": selectors.maintenance_list(user=request.user, overdue_only=overdue_only)[:300],
        "overdue_only": overdue_only, "today": today,
        "computers": selectors.antivirus_status(user=request.user)[:300],
        "av_limit": today - timezone.timedelta(days=services.rules()["antivirus_max_age_days"]),
    })

