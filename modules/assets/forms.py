from django import forms

from .models import Asset


class AssetForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = ["name", "category", "spec", "original_value", "acquired_on", "department", "location"]
        widgets = {"acquired_on": forms.DateInput(attrs={"type": "date"})}
