from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .selectors import TrailFilter


class TrailFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("Actor"), required=False, max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": _("Name, email or id")}))
    action = forms.CharField(label=_("Action"), required=False, max_length=64,
                             widget=forms.TextInput(attrs={"placeholder": _("e.g. auth.login, data.update")}))
    object = forms.CharField(label=_("Object"), required=False, max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": _("Type, id or name")}))
    result = forms.ChoiceField(label=_("Result"), required=False,
                               choices=[("", _("All results"))] + list(AuditEvent.Result.choices))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date (开始日期晚于结束日期)."))
        return data

    @staticmethod
    def empty() -> TrailFilter:
        return TrailFilter()

    def trail_filter(self) -> TrailFilter:
        """The filter the form describes (call after ``is_valid()`` returned True)."""
        d = self.cleaned_data
        return TrailFilter(date_from=d.get("date_from"), date_to=d.get("date_to"),
                           actor=(d.get("actor") or "").strip(), action=(d.get("action") or "").strip(),
                           object=(d.get("object") or "").strip(), result=d.get("result") or "")
