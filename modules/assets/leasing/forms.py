from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Asset
from .models import IncomeEntry, LeaseContract


class LeaseContractForm(forms.ModelForm):
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=Asset.objects.none())

    class Meta:
        model = LeaseContract
        fields = ["asset", "kind", "counterparty", "counterparty_contact", "purpose", "term_start", "term_end", "rent",
                  "contract_number"]
        widgets = {"term_start": forms.DateInput(attrs={"type": "date"}),
                   "term_end": forms.DateInput(attrs={"type": "date"}), "purpose": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, assets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = assets if assets is not None else Asset.objects.none()


class IncomeForm(forms.ModelForm):
    class Meta:
        model = IncomeEntry
        fields = ["received_on", "amount", "note"]
        widgets = {"received_on": forms.DateInput(attrs={"type": "date"})}
