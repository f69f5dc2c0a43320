from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengtong.accounts.selectors import unit_members

from .models import Device, DeviceType, LogbookEntry, MaintenanceTask, Place, RepairTicket, TrainingCourse


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_short_name()


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_short_name()


class PlaceForm(forms.ModelForm):
    responsible = MemberChoiceField(label=_("responsible person"), queryset=None)
    deputies = MembersChoiceField(label=_("deputies"), queryset=None, required=False,
                                  widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Place
        fields = ["name", "kind", "location", "responsible", "deputies", "notes", "active"]

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        members = unit_members(unit)
        self.fields["responsible"].queryset = members
        self.fields["deputies"].queryset = members


class DeviceForm(forms.ModelForm):
    custodian = MemberChoiceField(label=_("keeper (custodian)"), queryset=None, required=False)

    class Meta:
        model = Device
        fields = ["device_type", "name", "serial", "place", "custodian", "status", "purchase_date", "asset_number",
                  "notes"]
        widgets = {"purchase_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["custodian"].queryset = unit_members(unit)
        self.fields["place"].queryset = Place.objects.filter(active=True).order_by("name")
        # Checked out and under repair follow the logbook and the repair tickets, never a form.
        moved_by_work = (Device.Status.CHECKED_OUT, Device.Status.IN_REPAIR)
        if self.instance.pk and self.instance.status in moved_by_work:
            self.fields["status"].disabled = True
        else:
            self.fields["status"].choices = [c for c in Device.Status.choices if c[0] not in moved_by_work]


class DeviceTypeForm(forms.ModelForm):
    checklist = forms.CharField(label=_("inspection checklist"), required=False,
                                widget=forms.Textarea(attrs={"rows": 5}), help_text=_("One item per line."))

    class Meta:
        model = DeviceType
        fields = ["name", "category", "use_policy", "required_course", "maintenance_interval_days",
                  "inspection_interval_days", "checklist", "logbook_required", "tracks_antivirus", "usage_rules"]
        widgets = {"usage_rules": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["checklist"] = "\n".join(self.instance.checklist)
        self.fields["usage_rules"].help_text = _("Changing the rules makes a new version that everyone accepts "
                                                 "again at their next use.")


class RequireTrainingForm(forms.Form):
    course = forms.ModelChoiceField(label=_("training required"), queryset=TrainingCourse.objects.filter(active=True),
                                    required=False, empty_label=_("No training required"))


class CheckoutForm(forms.Form):
    purpose = forms.CharField(label=_("purpose"), max_length=200, required=False)
    with_students = forms.BooleanField(label=_("students will use it under my supervision"), required=False)
    acknowledge_rules = forms.BooleanField(label=_("I have read and accept the usage rules above"), required=False)


class SessionForm(forms.Form):
    started_at = forms.DateTimeField(label=_("from"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ended_at = forms.DateTimeField(label=_("to"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    purpose = forms.CharField(label=_("purpose"), max_length=200, required=False)
    with_students = forms.BooleanField(label=_("students used it under my supervision"), required=False)
    condition = forms.ChoiceField(label=_("condition when I left it"), choices=LogbookEntry.Condition.choices)
    note = forms.CharField(label=_("note on condition"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    acknowledge_rules = forms.BooleanField(label=_("I have read and accept the usage rules above"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("started_at", (now - timezone.timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M"))
            self.initial.setdefault("ended_at", now.strftime("%Y-%m-%dT%H:%M"))


class PlaceSessionForm(forms.Form):
    started_at = SessionForm.base_fields["started_at"]
    ended_at = SessionForm.base_fields["ended_at"]
    purpose = forms.CharField(label=_("purpose"), max_length=200, required=False)
    with_students = forms.BooleanField(label=_("students used it under my supervision"), required=False)
    condition = forms.ChoiceField(label=_("condition when I left it"), choices=LogbookEntry.Condition.choices)
    note = forms.CharField(label=_("note on condition"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CheckinForm(forms.Form):
    condition = forms.ChoiceField(label=_("condition on return"), choices=LogbookEntry.Condition.choices)
    note = forms.CharField(label=_("note on condition"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FaultForm(forms.Form):
    symptom = forms.CharField(label=_("what is wrong"), widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("photo (optional)"), required=False)


class TicketForm(forms.Form):
    status = forms.ChoiceField(label=_("new status"), choices=RepairTicket.Status.choices)
    technician = MemberChoiceField(label=_("technician"), queryset=None, required=False)
    cost = forms.DecimalField(label=_("cost (yuan)"), max_digits=12, decimal_places=2, min_value=0, required=False)
    resolution = forms.CharField(label=_("what was done"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, technicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians


class CourseForm(forms.ModelForm):
    class Meta:
        model = TrainingCourse
        fields = ["title", "material", "pass_mark", "validity_days", "active"]
        widgets = {"material": forms.Textarea(attrs={"rows": 8})}


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("question"), widget=forms.Textarea(attrs={"rows": 2}))
    options = forms.CharField(label=_("options"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("One option per line."))
    correct_option = forms.IntegerField(label=_("number of the correct option"), min_value=1)


class ExamForm(forms.Form):
    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for q in questions:
            self.fields[f"q{q.pk}"] = forms.TypedChoiceField(
                label=q.text, coerce=int, widget=forms.RadioSelect,
                choices=[(i, o) for i, o in enumerate(q.options)])
        self.questions = questions

    def answers(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=MaintenanceTask.Kind.choices)
    inspected_on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    antivirus_scanned_on = forms.DateField(label=_("antivirus scan done on"), required=False,
                                           widget=forms.DateInput(attrs={"type": "date"}))
    antivirus_definitions_on = forms.DateField(label=_("antivirus definitions dated"), required=False,
                                               widget=forms.DateInput(attrs={"type": "date"}))
    patched_on = forms.DateField(label=_("system patches installed on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, checklist, tracks_antivirus, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("inspected_on", timezone.localdate().isoformat())
        self.checklist = list(checklist)
        for i, item in enumerate(self.checklist):
            self.fields[f"ok_{i}"] = forms.BooleanField(label=item, required=False, initial=True)
            self.fields[f"note_{i}"] = forms.CharField(label=_("note"), required=False)
        if not tracks_antivirus:
            for f in ("antivirus_scanned_on", "antivirus_definitions_on", "patched_on"):
                del self.fields[f]

    def results(self) -> list[dict]:
        return [{"item": item, "ok": self.cleaned_data[f"ok_{i}"], "note": self.cleaned_data[f"note_{i}"]}
                for i, item in enumerate(self.checklist)]
