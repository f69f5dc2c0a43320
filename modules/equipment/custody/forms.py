from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from modules.equipment.models import Device, Place

from .models import CustodyItem, DamageIncident, EvaluationItem, Semester


def unit_people():
    """Active members of the current unit (their per-unit permissions row is in this schema)."""
    from tenant_users.permissions.models import UserTenantPermissions

    from zhengtong.accounts.models import User

    return (User.objects.filter(pk__in=UserTenantPermissions.objects.values("profile_id"), is_active=True)
            .exclude(is_system=True).order_by("name", "email"))


class PersonField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=unit_people(), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.get_short_name()} <{obj.email}>"


class CustodyItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CustodyItem.Kind.choices)
    name = forms.CharField(label=_("What"), max_length=120,
                           help_text=_("e.g. network room door key, core switch admin account"))
    place = forms.ModelChoiceField(label=_("For place"), queryset=Place.objects.all(), required=False)
    system = forms.CharField(label=_("For system"), max_length=120, required=False,
                             help_text=_("Never type the password itself: only who keeps it is recorded."))
    count = forms.IntegerField(label=_("Count"), min_value=1, initial=1)
    holder = PersonField(label=_("Holder (empty: in the key store)"), required=False)
    held_since = forms.DateField(label=_("Held since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = unit_people()


class CustodyMoveForm(forms.Form):
    to_holder = PersonField(label=_("To"), required=False)
    on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class HandoverStartForm(forms.Form):
    person = PersonField(label=_("Person leaving the post"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    effective_date = forms.DateField(label=_("Effective date"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))


class HandoverAssignForm(forms.Form):
    new_holder = PersonField(label=_("New holder"))


class DamageIncidentForm(forms.Form):
    title = forms.CharField(label=_("What happened"), max_length=200)
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=DamageIncident.Kind.choices)
    cost = forms.DecimalField(label=_("Repair or replacement cost (yuan)"), max_digits=12, decimal_places=2,
                              min_value=Decimal("0"))
    device = forms.ModelChoiceField(label=_("Device"), queryset=Device.objects.all(), required=False)
    place = forms.ModelChoiceField(label=_("Place"), queryset=Place.objects.all(), required=False)
    description = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DamageSharesForm(forms.Form):
    """Up to six lines of person + share; empty lines are ignored."""

    LINES = 6

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(self.LINES):
            self.fields[f"person_{n}"] = PersonField(label=_("Person %(n)s") % {"n": n + 1}, required=False)
            self.fields[f"share_{n}"] = forms.DecimalField(label=_("Share (%)"), max_digits=5, decimal_places=2,
                                                           required=False, min_value=Decimal("0.01"),
                                                           max_value=Decimal("100"))

    def lines(self):
        out = []
        for n in range(self.LINES):
            person, share = self.cleaned_data.get(f"person_{n}"), self.cleaned_data.get(f"share_{n}")
            if person is None and share is None:
                continue
            if person is None or share is None:
                raise forms.ValidationError(_("Line %(n)s needs both a person and a share "
                                              "(第 %(n)s 行需同时填写责任人和比例).") % {"n": n + 1})
            out.append((person, share))
        return out


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Receipt / note"), max_length=200, required=False)


class EvaluationItemForm(forms.ModelForm):
    class Meta:
        model = EvaluationItem
        fields = ["name", "guidance", "max_points", "position", "active"]


class SemesterForm(forms.ModelForm):
    class Meta:
        model = Semester
        fields = ["name", "starts_on", "ends_on"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "ends_on": forms.DateInput(attrs={"type": "date"})}


class EvaluationStartForm(forms.Form):
    place = forms.ModelChoiceField(label=_("Place"), queryset=Place.objects.filter(active=True))
