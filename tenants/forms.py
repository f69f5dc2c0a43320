from django import forms
from django.utils.translation import gettext_lazy as _

from zhengtong.registry.registry import all_modules, localized

from .models import Unit


def module_choices():
    return [(m.key, localized(m.name_zh, m.name_en)) for m in all_modules()]


class UnitOnboardForm(forms.Form):
    name = forms.CharField(label=_("Unit name"), max_length=100)
    slug = forms.CharField(label=_("Short name (used in the address)"), max_length=30,
                           help_text=_("e.g. jyj → jyj.<district host>"))
    unit_type = forms.ChoiceField(label=_("Type"), choices=[c for c in Unit.UnitType.choices if c[0] != "district"])
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    module_keys = forms.MultipleChoiceField(label=_("Modules"), required=False,
                                            widget=forms.CheckboxSelectMultiple, choices=module_choices)
    admin_email = forms.EmailField(label=_("First administrator's email"))
    admin_name = forms.CharField(label=_("First administrator's name"), max_length=64, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)


class BulkOnboardForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    name = forms.CharField(label=_("Name"), max_length=64, required=False)

    def __init__(self, *args, role_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role_keys"] = forms.MultipleChoiceField(
            label=_("Roles"), choices=role_choices, widget=forms.CheckboxSelectMultiple)


class RolesForm(forms.Form):
    def __init__(self, *args, role_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role_keys"] = forms.MultipleChoiceField(
            label=_("Roles"), choices=role_choices, widget=forms.CheckboxSelectMultiple, required=False)
