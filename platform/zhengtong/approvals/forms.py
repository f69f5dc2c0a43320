from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .chains import assignable_roles, format_conditions


class SubmitForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DecisionForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    step = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ChainStepForm(forms.Form):
    key = forms.CharField(label=_("Step key"), max_length=40, required=False,
                          help_text=_("Lower-case letters, digits and _; separation-of-duties rules refer to it."))
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role"), required=False)
    quorum = forms.IntegerField(label=_("Approvers needed"), min_value=1, max_value=20, initial=1, required=False)
    conditions = forms.CharField(
        label=_("Applies when"), max_length=500, required=False,
        help_text=_("e.g. amount >= @disposal_bureau_threshold; category in A,B — empty: always"))
    deadline_hours = forms.IntegerField(label=_("Deadline (hours)"), min_value=1, max_value=8760, required=False)
    escalate_to = forms.ChoiceField(label=_("Escalate to"), required=False)
    comment_required = forms.BooleanField(label=_("Comment required"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = assignable_roles()
        self.fields["role"].choices = [("", "—")] + roles
        self.fields["escalate_to"].choices = [("", "—")] + roles

    @staticmethod
    def initial_for(step: dict) -> dict:
        return {**step, "conditions": format_conditions(step.get("conditions") or [])}


ChainFormSet = forms.formset_factory(ChainStepForm, extra=2, can_delete=True, can_order=True, max_num=20,
                                     validate_max=True)


class DelegationForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    delegate_email = forms.EmailField(label=_("Delegate (e-mail)"))
    valid_from = forms.DateTimeField(label=_("Valid from"),
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    valid_until = forms.DateTimeField(label=_("Valid until"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
