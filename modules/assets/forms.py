from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Asset, Category, QuotaRound

# Card fields added after the first registration form: optional in the form (the quick
# registration and older clients post only the first ones); empty means the model's default.
DEFAULTED_FIELDS = ("quantity", "unit_of_measure", "acquisition_method", "funding_source")


class AssetForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = ["name", "asset_class", "category", "spec", "quantity", "unit_of_measure", "original_value",
                  "acquired_on", "acquisition_method", "funding_source", "service_life_years", "department",
                  "location"]
        widgets = {"acquired_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DEFAULTED_FIELDS:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in DEFAULTED_FIELDS:
            if data.get(name) in (None, ""):
                data[name] = Asset._meta.get_field(name).get_default()
        return data


class AssetEditForm(AssetForm):
    # The version the card had when the form was opened; asset_update refuses the save
    # if someone else saved in between (optimistic locking).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AssetStatusForm(forms.Form):
    # Disposal statuses are reached only through the disposal approval.
    status = forms.ChoiceField(label=_("Status"), choices=[
        (value, label) for value, label in Asset.Status.choices if value not in ("pending_disposal", "disposed")])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DepartmentHeadForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Department head"), queryset=None)
    department = forms.CharField(label=_("Department"), max_length=100,
                                 widget=forms.TextInput(attrs={"list": "departments"}))

    def __init__(self, *args, users=(), **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(pk__in=[u.pk for u in users])


class DisposalRecordForm(forms.Form):
    # The method comes from the disposal request; asked for only when the request had none.
    method = forms.ChoiceField(label=_("Disposal method"), choices=Asset.DisposalMethod.choices, required=False)
    proceeds = forms.DecimalField(label=_("Proceeds (yuan)"), required=False, min_value=0, max_digits=16,
                                  decimal_places=2)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DisposalRequestForm(forms.Form):
    disposal_type = forms.ChoiceField(label=_("Disposal type"), choices=Asset.DisposalMethod.choices,
                                      widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason for the disposal"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# ---------------------------------------------------------------- quotas and acquisitions (views/quota.py)


class QuotaStepForm(forms.Form):
    step = forms.ChoiceField(choices=QuotaRound.Step.choices, widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class _ClassChoiceForm(forms.Form):
    """A form whose ``asset_class`` offers the unit's classification (read when the form is made:
    the bureau's pages make it inside the unit's schema)."""

    asset_class = forms.ModelChoiceField(label=_("Asset class"), queryset=Category.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset_class"].queryset = Category.objects.order_by("code")


class QuotaOpenForm(_ClassChoiceForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    basis = forms.CharField(label=_("Basis (functions and posts)"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))


class AcquisitionForm(_ClassChoiceForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    justification = forms.CharField(label=_("Justification for exceeding the quota"), required=False,
                                    max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# ---------------------------------------------------------------- annual budget (views/budget.py)


class BudgetLineForm(_ClassChoiceForm):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    unit_price = forms.DecimalField(label=_("Unit price (yuan)"), min_value=Decimal("0"), max_digits=14,
                                    decimal_places=2)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
